using System.Collections.Concurrent;

namespace KissEf.Tests.Tenants;

/// <summary>
/// The multi-tenant test application's tenant store (a singleton, as Finbuckle's stores are): every tenant by id. A
/// test adds tenants while the application runs, and takes a tenant's database "down" by pointing it at a path SQLite
/// cannot open.
/// </summary>
public sealed class SaasTenantDirectory
{
    private readonly ConcurrentDictionary<string, SaasTenant> _tenants = new(StringComparer.Ordinal);

    public IReadOnlyCollection<SaasTenant> All => [.. _tenants.Values.OrderBy(t => t.Id, StringComparer.Ordinal)];

    public SaasTenant? Find(string id) => _tenants.TryGetValue(id, out var tenant) ? tenant : null;

    public void Set(SaasTenant tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        _tenants[tenant.Id] = tenant;
    }
}
