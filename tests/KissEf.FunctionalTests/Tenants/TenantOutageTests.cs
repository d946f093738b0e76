using KissEf.Tests.Support;
using KissEf.Tests.Support.Tenants;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Tenants;

/// <summary>Issue 17, "a tenant whose database is down does not hold up the others".</summary>
public sealed class TenantOutageTests : TenantTestBase
{
    [Fact]
    public async Task A_tenant_whose_database_cannot_be_reached_does_not_hold_up_the_others_and_is_named_in_one_warning()
    {
        // A file in a folder that does not exist, opened read-write (no create): every open fails.
        var nowhere = Path.Combine(Path.GetTempPath(), "kissef-tests", "missing-" + Guid.NewGuid().ToString("N"), "down.db");
        Store.Add("down", $"Data Source={nowhere};Mode=ReadWrite;Pooling=False");
        var host = CreateHost();
        await host.EnsureCreatedAsync(Files.Ids);
        await host.StartAsync();

        var expected = await TenantWorkload.WriteAsync(host, Files.Ids, writersPerTenant: 2, savesPerWriter: 3, usersPerSave: 2);
        await AssertDeliveredOnceAsync(expected, TimeSpan.FromSeconds(60), host);

        // The operator's view of the down tenant explains itself; the others' work.
        await host.Dispatcher.FlushTenantAsync(Files.Ids[0]);
        Assert.Equal(0, (await host.Outbox.GetTenantStateAsync(Files.Ids[0])).PendingCalls);
        var down = await Assert.ThrowsAsync<InvalidOperationException>(() => host.Outbox.GetTenantStateAsync("down"));
        Assert.Contains("tenant down", down.Message, StringComparison.Ordinal);
        var flush = await Assert.ThrowsAsync<InvalidOperationException>(() => host.Dispatcher.FlushAsync());
        Assert.Contains("tenant down", flush.Message, StringComparison.Ordinal);
        var all = await Assert.ThrowsAsync<InvalidOperationException>(() => host.Outbox.GetStateAsync());
        Assert.Contains("tenant down", all.Message, StringComparison.Ordinal);

        // Stopping does not throw, and reports the tenant whose calls could not be drained.
        await host.StopAsync();
        var reports = host.Logs.Entries.Where(e => e.EventId.Id is KissEfEventId.OutboxDatabaseUnavailable or KissEfEventId.TenantUnavailable).ToList();
        Assert.True(reports.Count == 1, $"Logged:{Environment.NewLine}{string.Join(Environment.NewLine, host.Logs.Entries.Where(e => e.Level >= LogLevel.Warning))}");
        Assert.Contains("down", reports[0].Message, StringComparison.Ordinal);
        AssertNoWarnings(host, e => e == reports[0]);
    }

    [Fact]
    public async Task A_tenant_removed_from_the_store_while_running_is_forgotten_at_the_next_refresh_and_the_others_go_on()
    {
        var host = CreateHost(o => o.TenantRefreshInterval = TimeSpan.FromSeconds(1));
        var (stays, leaves) = (Files.Ids[0], Files.Ids[2]);
        await host.EnsureCreatedAsync(Files.Ids);
        await host.StartAsync();
        await host.AddUsersAsync(leaves, ["before@t002.test"]);
        await AssertDeliveredOnceAsync([TenantTestHost.SignedUp("before@t002.test")], TimeSpan.FromSeconds(30), host);

        // The tenant leaves (its store entry is gone: entering it fails). Until the next refresh its worker fails quietly;
        // then the outbox's state no longer has it.
        Store.Remove(leaves);
        await OutboxCalls.EventuallyAsync(
            async () =>
            {
                try
                {
                    return !(await host.Outbox.GetStateAsync()).Tenants!.ContainsKey(leaves);
                }
                catch (InvalidOperationException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30),
            () => Task.FromResult("the state still has the tenant that left"));

        // Its worker stopped: while the others' look at their tables ten times, nobody tries to enter it.
        var (left, stayed) = (Store.EnteredFor(leaves), Store.EnteredFor(stays));
        await OutboxCalls.EventuallyAsync(
            () => Task.FromResult(Store.EnteredFor(stays) >= stayed + 10),
            TimeSpan.FromSeconds(30),
            () => Task.FromResult($"{Store.EnteredFor(stays) - stayed} look(s) at the table of {stays}"));
        Assert.Equal(left, Store.EnteredFor(leaves));

        await host.AddUsersAsync(stays, ["after@t000.test"]);
        await AssertDeliveredOnceAsync([TenantTestHost.SignedUp("before@t002.test"), TenantTestHost.SignedUp("after@t000.test")], TimeSpan.FromSeconds(30), host);
        await host.Dispatcher.FlushAsync();
        Assert.Equal(2, (await host.Outbox.GetStateAsync()).Tenants!.Count);
        await host.StopAsync();
        AssertNoWarnings(host);
    }
}
