namespace KissEf.Tests.Tenants;

/// <summary>A member of one tenant: its KISSmetrics person is its e-mail, which other tenants may have too.</summary>
public sealed class SaasMember
{
    public int Id { get; set; }

    public string Email { get; set; } = string.Empty;

    public string Plan { get; set; } = "free";

    public DateTimeOffset JoinedAt { get; set; } = new(2025, 3, 1, 9, 0, 0, TimeSpan.Zero);
}
