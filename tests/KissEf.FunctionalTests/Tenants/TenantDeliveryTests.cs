using Microsoft.EntityFrameworkCore;
using KissEf.Tests.Support;
using KissEf.Tests.Support.Tenants;

namespace KissEf.Tests.Tenants;

/// <summary>
/// Issue 17, a database per tenant: each save writes its rows into its tenant's database, and the dispatcher, entering
/// every tenant, delivers every call once, while writers in every tenant commit at once.
/// </summary>
public sealed class TenantDeliveryTests : TenantTestBase
{
    [Fact]
    public async Task Three_tenant_databases_with_concurrent_writers_get_every_call_delivered_exactly_once()
    {
        var host = CreateHost();
        await host.EnsureCreatedAsync(Files.Ids);
        await host.StartAsync();

        var expected = await TenantWorkload.WriteAsync(host, Files.Ids, writersPerTenant: 4, savesPerWriter: 10, usersPerSave: 5);

        Assert.Equal(3 * ((4 * 10 * 5) + 1), expected.Count);
        await AssertDeliveredOnceAsync(expected, TimeSpan.FromSeconds(60), host);
        await host.Dispatcher.FlushAsync();
        Assert.Equal(expected.Count, Server.AllRequests.Count);

        // Every row was in its own tenant's file, and is gone from it.
        foreach (var tenant in Files.Ids)
        {
            Assert.Equal((4 * 10 * 5) + 1, await host.InTenantAsync(tenant, db => db.Users.CountAsync()));
            Assert.Empty(OutboxRows.Read(Files.Files[tenant]));
        }

        var state = await host.Outbox.GetStateAsync();
        Assert.Equal((0, 0, 0, 0), (state.PendingRows, state.PendingCalls, state.DeadRows, state.DeadCalls));
        Assert.Equal(Files.Ids.Order(StringComparer.Ordinal), state.Tenants!.Keys.Order(StringComparer.Ordinal));
        await host.StopAsync();
        AssertNoWarnings(host);
    }

    [Fact]
    public async Task A_context_whose_constructor_throws_without_a_tenant_starts_delivers_every_call_and_logs_no_warning()
    {
        var host = Keep(TenantTestHost.Create<StrictTenantShopContext>(Store, Server.Endpoint));
        await host.EnsureCreatedAsync(Files.Ids);
        await host.StartAsync();

        var expected = await TenantWorkload.WriteAsync(host, Files.Ids, writersPerTenant: 2, savesPerWriter: 3, usersPerSave: 2);

        await AssertDeliveredOnceAsync(expected, TimeSpan.FromSeconds(60), host);
        await host.Dispatcher.FlushAsync();
        Assert.Equal(0, (await host.Outbox.GetStateAsync()).PendingCalls);
        await host.StopAsync();
        AssertNoWarnings(host);
    }
}
