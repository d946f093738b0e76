namespace KissEf.Tests.Tenants;

/// <summary>
/// A tenant of the multi-tenant test application, as its own tenant store keeps it: its id, its database (null while
/// it has none yet: KissEf cannot enter it), and its KISSmetrics key (null: the application's).
/// </summary>
public sealed record SaasTenant(string Id, string? ConnectionString, string? KissMetricsKey = null);
