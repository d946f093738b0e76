using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using KissEf.Tests.Support.Tenants;

namespace KissEf.Tests.Tenants;

/// <summary>
/// The set-up of a tenant test class: per test, a fake tracking server, a tenant store and a SQLite file per tenant,
/// and the hosts made with <see cref="CreateHost"/>, all gone after the test.
/// </summary>
public abstract class TenantTestBase : IAsyncLifetime
{
    private readonly List<TenantTestHost> _hosts = [];

    protected FakeTrackingServer Server { get; private set; } = null!;

    protected TenantStore Store { get; } = new();

    protected TenantSqliteFiles Files { get; private set; } = null!;

    /// <summary>How many tenant files the store starts with.</summary>
    protected virtual int Tenants => 3;

    public virtual async Task InitializeAsync()
    {
        Server = await FakeTrackingServer.StartAsync();
        Files = new TenantSqliteFiles(Store, Tenants);
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        await Server.DisposeAsync();
        Files.Dispose();
    }

    /// <summary>A built (not started) host on <paramref name="store"/> (this test's by default), disposed after the test.</summary>
    protected TenantTestHost CreateHost(Action<KissTrackingOptions>? configure = null, TenantStore? store = null)
        => Keep(TenantTestHost.Create(store ?? Store, Server.Endpoint, configure));

    protected TenantTestHost Keep(TenantTestHost host)
    {
        _hosts.Add(host);
        return host;
    }

    /// <summary>Waits for <paramref name="expected"/> calls, then asserts they were each delivered once (<see cref="TenantAsserts"/>).</summary>
    protected Task AssertDeliveredOnceAsync(IReadOnlyCollection<string> expected, TimeSpan timeout, params TenantTestHost[] hosts)
        => TenantAsserts.DeliveredOnceAsync(Server, expected, timeout, hosts);

    /// <summary>Nothing at Warning or above, but what <paramref name="allowed"/> lets through.</summary>
    protected static void AssertNoWarnings(TenantTestHost host, Func<CapturedLog, bool>? allowed = null) => TenantAsserts.NoWarnings(host, allowed);
}
