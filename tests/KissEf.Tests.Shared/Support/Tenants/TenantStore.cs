using System.Collections.Concurrent;

namespace KissEf.Tests.Support.Tenants;

/// <summary>
/// The application's tenant store (a singleton): tenant id → the connection string of its database, as Finbuckle's
/// store gives a tenant info's connection string. Tenants may be added while the application runs. It counts how often
/// each tenant is entered, for the tests that look at what the dispatcher costs.
/// </summary>
public sealed class TenantStore
{
    private readonly ConcurrentDictionary<string, string> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _entered = new(StringComparer.Ordinal);

    /// <summary>Every tenant's id, in no particular order.</summary>
    public IReadOnlyCollection<string> Ids => [.. _connections.Keys];

    /// <summary>How many times a scope was entered for a tenant (<see cref="TestTenants.EnterAsync"/>, failed attempts too), all tenants together.</summary>
    public int Entered => _entered.Values.Sum();

    /// <summary>Adds (or moves) a tenant.</summary>
    public TenantStore Add(string id, string connectionString)
    {
        _connections[id] = connectionString;
        return this;
    }

    /// <summary>Removes a tenant (an offboarded customer): entering it fails from now on.</summary>
    public void Remove(string id) => _connections.TryRemove(id, out _);

    public bool Contains(string id) => _connections.ContainsKey(id);

    /// <summary>The connection string of <paramref name="id"/>'s database; an unknown tenant fails, as a tenant store's lookup does.</summary>
    public string ConnectionStringOf(string id)
        => _connections.TryGetValue(id, out var connectionString)
            ? connectionString
            : throw new InvalidOperationException($"Tenant '{id}' is not in the tenant store.");

    /// <summary>Notes that a scope was entered for <paramref name="id"/>.</summary>
    public void CountEnter(string id) => _entered.AddOrUpdate(id, 1, (_, n) => n + 1);

    /// <summary>How many times a scope was entered for <paramref name="id"/>.</summary>
    public int EnteredFor(string id) => _entered.GetValueOrDefault(id);
}
