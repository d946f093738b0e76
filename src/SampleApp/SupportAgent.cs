namespace SampleApp;

/// <summary>
/// Who is making the changes in this run: in a web app, the signed-in user (read from <c>IHttpContextAccessor</c>);
/// here, a fixed support agent. Registered scoped, as a per-request service would be.
/// </summary>
public sealed class SupportAgent
{
    public string Email { get; } = "support@shop.example";
}
