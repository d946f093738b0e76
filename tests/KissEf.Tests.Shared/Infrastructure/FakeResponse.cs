namespace KissEf.Tests.Infrastructure;

/// <summary>What the <see cref="FakeTrackingServer"/> should answer to one request.</summary>
/// <param name="StatusCode">HTTP status; 200 sends the 1x1 GIF, anything else an empty body.</param>
/// <param name="RetryAfter">If set, sent as a Retry-After header in whole seconds (rounded up).</param>
/// <param name="Delay">Wait this long before answering (to exercise client timeouts); cut short when the server stops.</param>
/// <param name="AbortConnection">Drop the connection without any response (a transport failure for the client).</param>
public sealed record FakeResponse(
    int StatusCode,
    TimeSpan? RetryAfter = null,
    TimeSpan Delay = default,
    bool AbortConnection = false)
{
    /// <summary>200 with the GIF, the default answer.</summary>
    public static FakeResponse Ok { get; } = new(200);

    /// <summary>Closes the connection without answering.</summary>
    public static FakeResponse Abort { get; } = new(0, AbortConnection: true);

    /// <summary>A bare status code.</summary>
    public static FakeResponse Status(int statusCode) => new(statusCode);

    /// <summary>429 Too Many Requests with a Retry-After header.</summary>
    public static FakeResponse TooManyRequests(TimeSpan retryAfter) => new(429, retryAfter);
}
