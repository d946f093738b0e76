using System.Diagnostics;
using KissEf.Tests.Support;
using KissEf.Tests.Support.Tenants;

namespace KissEf.Tests.Tenants;

/// <summary>
/// Issue 17, "a new tenant is picked up within a bounded time, a commit wakes its own tenant's worker": a tenant added
/// while the application runs is worked after the next refresh of the tenants, or at once when it commits here.
/// </summary>
public sealed class TenantDiscoveryTests : TenantTestBase
{
    protected override int Tenants => 1;

    [Fact]
    public async Task A_tenant_added_while_running_whose_rows_another_instance_wrote_is_delivered_within_the_refresh_interval()
    {
        var refresh = TimeSpan.FromSeconds(1);
        var host = CreateHost(o => o.TenantRefreshInterval = refresh);
        await host.EnsureCreatedAsync(Files.Ids);
        await host.StartAsync();

        // Another instance, whose store already has the new tenant, commits there: its dispatcher never runs, and no
        // commit of this instance's wakes anything.
        var otherStore = new TenantStore();
        var file = Files.Add(otherStore, "late");
        var other = CreateHost(store: otherStore);
        await other.EnsureCreatedAsync(["late"]);
        await other.AddUsersAsync("late", ["a@late.test", "b@late.test"]);
        Assert.Equal(2, OutboxRows.Read(file).Sum(r => r.CallCount));

        // This instance learns of the tenant from its store: delivered by its next refresh (and the worker's first drain).
        var clock = Stopwatch.StartNew();
        Store.Add("late", file.ConnectionString);
        await AssertDeliveredOnceAsync([TenantTestHost.SignedUp("a@late.test"), TenantTestHost.SignedUp("b@late.test")], TimeSpan.FromSeconds(30), host);
        Assert.True(clock.Elapsed < refresh + TimeSpan.FromSeconds(5), $"delivered {clock.Elapsed.TotalSeconds:0.0} s after the tenant was added");
        Assert.Contains("late", (await host.Outbox.GetStateAsync()).Tenants!.Keys);
        AssertNoWarnings(host);
    }

    [Fact]
    public async Task A_commit_in_a_brand_new_tenant_is_delivered_without_waiting_for_the_refresh()
    {
        // A refresh an hour away: only the commit's wake can get the new tenant's calls delivered within the test.
        var host = CreateHost(o => o.TenantRefreshInterval = TimeSpan.FromHours(1));
        await host.EnsureCreatedAsync(Files.Ids);
        await host.StartAsync();
        await host.AddUsersAsync(Files.Ids[0], ["first@t000.test"]);
        await AssertDeliveredOnceAsync([TenantTestHost.SignedUp("first@t000.test")], TimeSpan.FromSeconds(30), host);

        Files.Add(Store, "fresh");
        await host.EnsureCreatedAsync(["fresh"]);
        await host.AddUsersAsync("fresh", ["a@fresh.test", "b@fresh.test"]);

        await AssertDeliveredOnceAsync(
            [TenantTestHost.SignedUp("first@t000.test"), TenantTestHost.SignedUp("a@fresh.test"), TenantTestHost.SignedUp("b@fresh.test")],
            TimeSpan.FromSeconds(30),
            host);
        await host.Dispatcher.FlushTenantAsync("fresh");
        Assert.Empty(OutboxRows.Read(Files.Files["fresh"]));
        AssertNoWarnings(host);
    }
}
