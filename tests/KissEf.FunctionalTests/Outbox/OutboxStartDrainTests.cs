using KissEf.Tests.Support;

namespace KissEf.Tests.Outbox;

/// <summary>
/// Issue 3: on start the dispatcher drains what an earlier process left, with no new commit; a dead instance's
/// leased rows are picked up once its lease has expired.
/// </summary>
public sealed class OutboxStartDrainTests : OutboxTestBase
{
    [Fact]
    public async Task A_started_host_sends_the_rows_an_earlier_host_left_without_any_new_commit()
    {
        // An earlier instance commits and goes away without ever dispatching.
        await using (var earlier = CreateHost())
        {
            await earlier.EnsureCreatedAsync();
            await earlier.AddCustomersAsync(OutboxTestHost.Customers("left", 0, 130));
            await earlier.AddCustomersAsync(OutboxTestHost.Customers("left", 130, 5));
        }

        Assert.Equal(135, OutboxRows.Read(Database).Sum(r => r.CallCount));
        Assert.Empty(Server.AllRequests);

        // The poll interval is an hour: only the start itself can explain a delivery within seconds.
        await using var next = CreateHost(o => o.PollInterval = TimeSpan.FromHours(1));
        await next.StartAsync();
        await Server.WaitForCallsAsync(135, TimeSpan.FromSeconds(20));

        OutboxCalls.AssertSameCalls(
            Enumerable.Range(0, 135).Select(i => OutboxCalls.SignedUp($"left-{i}")),
            Server.Calls.Select(OutboxCalls.KeyOf));
        await OutboxCalls.EventuallyAsync(
            async () => (await next.Outbox.GetStateAsync()).PendingRows == 0,
            TimeSpan.FromSeconds(10),
            async () => $"still pending: {await next.Outbox.GetStateAsync()}");
        Assert.Equal(135, Server.AllRequests.Count);
    }

    [Fact]
    public async Task Rows_leased_by_a_dead_instance_are_sent_once_its_lease_has_expired()
    {
        await using (var earlier = CreateHost())
        {
            await earlier.EnsureCreatedAsync();
            await earlier.AddCustomersAsync(OutboxTestHost.Customers("leased", 0, 20));
        }

        // As if an instance had claimed the rows and died mid-send: its lease runs for 3 more seconds.
        var expiry = DateTimeOffset.UtcNow.AddSeconds(3);
        Assert.Equal(1, OutboxRows.Execute(
            Database,
            $"UPDATE {OutboxRows.Table} SET lease_owner = 'dead-host/1/x/1', lease_expires_at = {expiry.ToUnixTimeMilliseconds()}"));

        await using var next = CreateHost(o => o.PollInterval = TimeSpan.FromHours(1));
        await next.StartAsync();

        // The new instance is working (a fresh commit goes out at once) but leaves the leased row alone.
        await next.AddCustomersAsync([OutboxTestHost.Customer("fresh")]);
        await Server.WaitForCallsAsync(1, TimeSpan.FromSeconds(10));
        var fresh = Assert.Single(Server.AllRequests);
        Assert.Equal(OutboxTestHost.EmailOf("fresh"), fresh.Get("_p"));
        Assert.True(fresh.ReceivedAt < expiry, "the machine is too slow for this test: the fresh call came after the lease ended");

        // Once the lease has ended, its rows go out, each call once, and not before (a few ms of slack for the clocks).
        await Server.WaitForCallsAsync(21, TimeSpan.FromSeconds(20));
        var leased = Server.AllRequests.Where(c => c.Get("_p") != fresh.Get("_p")).ToList();
        var first = leased.Min(c => c.ReceivedAt);
        Assert.True(first >= expiry.AddMilliseconds(-20), $"sent at {first:O}, lease until {expiry:O}");
        OutboxCalls.AssertSameCalls(
            Enumerable.Range(0, 20).Select(i => OutboxCalls.SignedUp($"leased-{i}")),
            leased.Select(OutboxCalls.KeyOf));
        await next.Dispatcher.FlushAsync();
        Assert.Empty(OutboxRows.Read(Database));
        Assert.Equal(21, Server.AllRequests.Count);
    }
}
