using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using KissEf.Tests.Support.Tenants;

namespace KissEf.Tests.Tenants;

/// <summary>
/// Issue 17, "IKissOutbox and FlushAsync per tenant and for all": the state's breakdown by tenant (and by context type,
/// summed over the tenants), and each operation
/// on one tenant's database leaves the others' rows alone.
/// </summary>
public sealed class TenantOutboxAdminTests : TenantTestBase
{
    [Fact]
    public async Task FlushTenantAsync_drains_that_tenant_only_and_the_state_breaks_the_rest_down_by_tenant()
    {
        var host = CreateHost();
        await host.EnsureCreatedAsync(Files.Ids);
        var (a, b, c) = (Files.Ids[0], Files.Ids[1], Files.Ids[2]);
        await host.AddUsersAsync(a, Users(a, 2));
        await host.AddUsersAsync(b, Users(b, 3));
        await host.AddUsersAsync(b, Users(b, 1, from: 3));
        await host.AddUsersAsync(c, Users(c, 4));

        var before = await host.Outbox.GetStateAsync();
        Assert.Equal((4, 10, 0, 0), (before.PendingRows, before.PendingCalls, before.DeadRows, before.DeadCalls));
        Assert.Equal((1, 2), (before.Tenants![a].PendingRows, before.Tenants[a].PendingCalls));
        Assert.Equal((2, 4), (before.Tenants[b].PendingRows, before.Tenants[b].PendingCalls));
        Assert.Equal((1, 4), (before.Tenants[c].PendingRows, before.Tenants[c].PendingCalls));
        Assert.NotNull(before.Tenants[b].OldestPendingAge);

        // Issue 19: the one context type's figures add up its table in every tenant database.
        var context = Assert.Single(before.Contexts!);
        Assert.Equal((4, 10), (context.Value.PendingRows, context.Value.PendingCalls));
        Assert.Equal(2, Assert.Single((await host.Outbox.GetTenantStateAsync(a)).Contexts!).Value.PendingCalls);

        await host.Dispatcher.FlushTenantAsync(b);

        OutboxCalls.AssertSameCalls(Users(b, 4).Select(TenantTestHost.SignedUp), Server.AllRequests.Select(OutboxCalls.KeyOf));
        var after = await host.Outbox.GetStateAsync();
        Assert.Equal((2, 6), (after.PendingRows, after.PendingCalls));
        Assert.Equal((0, 0, null), (after.Tenants![b].PendingRows, after.Tenants[b].PendingCalls, after.Tenants[b].OldestPendingAge));
        Assert.Equal(2, (await host.Outbox.GetTenantStateAsync(a)).PendingCalls);
        Assert.Equal(0, (await host.Outbox.GetTenantStateAsync(b)).PendingCalls);
        Assert.Null((await host.Outbox.GetTenantStateAsync(b)).Tenants);

        await host.Dispatcher.FlushAsync();
        Assert.Equal(10, Server.AllRequests.Count);
        Assert.Equal(0, (await host.Outbox.GetStateAsync()).PendingCalls);
        AssertNoWarnings(host);
    }

    [Fact]
    public async Task Dead_rows_are_counted_retried_and_purged_per_tenant()
    {
        var (a, b, c) = (Files.Ids[0], Files.Ids[1], Files.Ids[2]);

        // The endpoint refuses the calls of a and c: their rows die at their first attempt; b's are delivered.
        Server.SetResponder((call, _) => call.Get("_p")!.EndsWith($"@{b}.test", StringComparison.Ordinal) ? null : FakeResponse.Status(400));
        var host = CreateHost();
        await host.EnsureCreatedAsync(Files.Ids);
        await host.AddUsersAsync(a, Users(a, 2));
        await host.AddUsersAsync(b, Users(b, 3));
        await host.AddUsersAsync(c, Users(c, 1));
        await host.Dispatcher.FlushAsync();

        var state = await host.Outbox.GetStateAsync();
        Assert.Equal((0, 0, 2, 3), (state.PendingRows, state.PendingCalls, state.DeadRows, state.DeadCalls));
        Assert.Equal((1, 2), (state.Tenants![a].DeadRows, state.Tenants[a].DeadCalls));
        Assert.Equal((0, 0), (state.Tenants[b].DeadRows, state.Tenants[b].DeadCalls));
        Assert.Equal((1, 1), (state.Tenants[c].DeadRows, state.Tenants[c].DeadCalls));
        Assert.Equal(2, (await host.Outbox.GetTenantStateAsync(a)).DeadCalls);

        // A retry of a tenant without dead rows revives nothing; a's retry revives a's row only, and it is delivered.
        Server.Recover();
        Assert.Equal(0, await host.Outbox.RetryTenantDeadAsync(b));
        Assert.Equal(1, await host.Outbox.RetryTenantDeadAsync(a));
        Assert.Equal((1, 2), ((await host.Outbox.GetTenantStateAsync(a)).PendingRows, (await host.Outbox.GetTenantStateAsync(a)).PendingCalls));
        Assert.Equal(1, (await host.Outbox.GetTenantStateAsync(c)).DeadRows);
        await host.Dispatcher.FlushTenantAsync(a);
        Assert.Equal(Users(a, 2).Concat(Users(b, 3)).Select(TenantTestHost.SignedUp).Order(StringComparer.Ordinal), Server.Calls.Select(OutboxCalls.KeyOf).Order(StringComparer.Ordinal));

        // A purge of another tenant leaves c's dead row; c's purge deletes it.
        Assert.Equal(0, await host.Outbox.PurgeTenantDeadAsync(a, TimeSpan.Zero));
        Assert.Single(OutboxRows.Read(Files.Files[c]));
        Assert.Equal(1, await host.Outbox.PurgeTenantDeadAsync(c, TimeSpan.Zero));
        Assert.Empty(OutboxRows.Read(Files.Files[c]));
        var end = await host.Outbox.GetStateAsync();
        Assert.Equal((0, 0, 0, 0), (end.PendingRows, end.PendingCalls, end.DeadRows, end.DeadCalls));
        Assert.Equal(3, end.Tenants!.Count);
    }

    [Fact]
    public async Task An_unknown_tenant_fails_the_per_tenant_operations_with_a_message_that_names_it()
    {
        var host = CreateHost();
        await host.EnsureCreatedAsync(Files.Ids);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => host.Outbox.GetTenantStateAsync("nobody"));
        Assert.Contains("'nobody'", failure.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => host.Outbox.RetryTenantDeadAsync("nobody"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => host.Outbox.PurgeTenantDeadAsync("nobody", TimeSpan.Zero));
        var warning = Assert.Single(host.Logs.WithEventId(KissEfEventId.TenantUnavailable));
        Assert.Contains("'nobody'", warning.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Users(string tenant, int count, int from = 0)
        => Enumerable.Range(from, count).Select(i => $"u{i}@{tenant}.test");
}
