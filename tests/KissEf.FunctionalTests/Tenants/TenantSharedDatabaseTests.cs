using KissEf.Internal.Outbox.Dispatch;
using KissEf.Tests.Support;
using KissEf.Tests.Support.Tenants;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Tenants;

/// <summary>
/// Issue 17, "tenants on the same database share one worker": two tenants whose connection strings name one file (spelled
/// differently) are one outbox table to the dispatcher: one worker claims its rows, and the state counts them once.
/// </summary>
public sealed class TenantSharedDatabaseTests : TenantTestBase
{
    protected override int Tenants => 1;

    [Fact]
    public async Task Two_tenants_whose_connection_strings_name_the_same_file_share_one_worker_and_are_counted_once()
    {
        var file = Files.Files[Files.Ids[0]];
        var folder = Path.GetDirectoryName(file.FilePath)!;
        var sameFile = Path.Combine(folder, "..", Path.GetFileName(folder), Path.GetFileName(file.FilePath));
        Store.Add("alias", $"Data Source={sameFile};Pooling=False;Default Timeout=31");
        var host = CreateHost();
        await host.EnsureCreatedAsync(Files.Ids);
        await host.AddUsersAsync(Files.Ids[0], ["a@one.test", "b@one.test"]);
        await host.AddUsersAsync("alias", ["c@alias.test"]);

        // One table: both tenants' rows, counted once in the totals; each tenant shows the table's figures.
        Assert.Equal(3, OutboxRows.Read(file).Sum(r => r.CallCount));
        var state = await host.Outbox.GetStateAsync();
        Assert.Equal((2, 3), (state.PendingRows, state.PendingCalls));
        Assert.Equal(["alias", Files.Ids[0]], state.Tenants!.Keys.Order(StringComparer.Ordinal));
        Assert.All(state.Tenants.Values, t => Assert.Equal((2, 3), (t.PendingRows, t.PendingCalls)));
        Assert.Equal(3, (await host.Outbox.GetTenantStateAsync("alias")).PendingCalls);

        // One target, worked through the scope of the first tenant found on it; the other was entered only to find its database.
        var target = Assert.Single(host.Services.GetRequiredService<KissOutboxDispatcher>().Targets.Known);
        Assert.Equal(["alias", Files.Ids[0]], target.TenantIds.Order(StringComparer.Ordinal));
        var worker = target.TenantId!;
        var other = worker == "alias" ? Files.Ids[0] : "alias";

        // (The start-up check of the maps enters a tenant too.)
        await host.StartAsync();
        var (workerEntered, otherEntered) = (Store.EnteredFor(worker), Store.EnteredFor(other));
        var expected = new[] { "a@one.test", "b@one.test", "c@alias.test" }.Select(TenantTestHost.SignedUp).ToList();
        await AssertDeliveredOnceAsync(expected, TimeSpan.FromSeconds(30), host);
        await host.AddUsersAsync("alias", ["d@alias.test"]);
        expected.Add(TenantTestHost.SignedUp("d@alias.test"));
        await AssertDeliveredOnceAsync(expected, TimeSpan.FromSeconds(30), host);
        await host.Dispatcher.FlushTenantAsync(other);

        Assert.Same(target, Assert.Single(host.Services.GetRequiredService<KissOutboxDispatcher>().Targets.Known));
        Assert.Equal(otherEntered, Store.EnteredFor(other));
        Assert.True(Store.EnteredFor(worker) > workerEntered);
        AssertNoWarnings(host);
    }
}
