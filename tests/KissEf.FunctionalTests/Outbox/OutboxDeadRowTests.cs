using KissEf.Tests.Support;

namespace KissEf.Tests.Outbox;

/// <summary>
/// Issue 3, "Dead rows": an endpoint that always fails ends with the rows dead, counted by IKissOutbox, and a
/// retry brings them back; old dead rows can be purged.
/// </summary>
public sealed class OutboxDeadRowTests : OutboxTestBase
{
    private const int Calls = 130; // two chunk rows

    private OutboxTestHost _host = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _host = CreateHost(o =>
        {
            o.OutboxMaxAttempts = 2;
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(5);
            o.MaxRetryDelay = TimeSpan.FromMilliseconds(20);
        });
        await _host.EnsureCreatedAsync();
        await _host.StartAsync();
    }

    public override async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Rows_that_keep_failing_end_dead_and_RetryDeadAsync_brings_them_back()
    {
        Server.AlwaysFail(500);
        await _host.AddCustomersAsync(OutboxTestHost.Customers("dead", 0, Calls));
        var state = await WaitUntilAllDeadAsync(Calls);

        Assert.Equal((0, 0, 2, Calls), (state.PendingRows, state.PendingCalls, state.DeadRows, state.DeadCalls));
        Assert.Null(state.OldestPendingAge);

        // Exactly OutboxMaxAttempts attempts per row, none delivered. A row whose call failed retryably holds its other
        // calls back until its next attempt: at most MaxConcurrency (4) requests per row and attempt, not one per call.
        // The rows keep their last error (no URL, no key).
        Assert.Empty(Server.Calls);
        Assert.All(Server.AllRequests.GroupBy(c => c.Url), g => Assert.InRange(g.Count(), 1, 2));
        Assert.InRange(Server.AllRequests.Count, 2 * 2, 2 * 2 * 4);
        var rows = OutboxRows.Read(Database);
        Assert.All(rows, r =>
        {
            Assert.NotNull(r.DeadAt);
            Assert.Equal(2, r.Attempts);
            Assert.Null(r.LeaseOwner);
            Assert.Contains("500", r.LastError, StringComparison.Ordinal);
            Assert.DoesNotContain("://", r.LastError, StringComparison.Ordinal);
            Assert.DoesNotContain("127.0.0.1", r.LastError, StringComparison.Ordinal);
        });
        OutboxRows.AssertNoApiKey(Database);
        Assert.NotEmpty(_host.Logs.WithEventId(2007));

        // The endpoint recovers; dead rows stay dead until an operator retries them.
        Server.Recover();
        Assert.Equal(2, await _host.Outbox.RetryDeadAsync());
        await Server.WaitForCallsAsync(Calls, TimeSpan.FromSeconds(20));
        await _host.Dispatcher.FlushAsync();

        OutboxCalls.AssertSameCalls(Enumerable.Range(0, Calls).Select(i => OutboxCalls.SignedUp($"dead-{i}")), Server.Calls.Select(OutboxCalls.KeyOf));
        foreach (var attempts in Server.AllRequests.GroupBy(c => c.Url))
        {
            Assert.Equal(200, attempts.Last().StatusCode);
            Assert.All(attempts.SkipLast(1), c => Assert.Equal(500, c.StatusCode));
        }

        Assert.Equal(new KissOutboxState(0, 0, 0, 0, null), (await _host.Outbox.GetStateAsync()) with { Contexts = null });
        Assert.Empty(OutboxRows.Read(Database));
    }

    [Fact]
    public async Task A_non_retryable_answer_makes_the_row_dead_at_once()
    {
        Server.AlwaysFail(400);
        await _host.AddCustomersAsync(OutboxTestHost.Customers("bad", 0, 3));
        var state = await WaitUntilAllDeadAsync(3);

        Assert.Equal((1, 3), (state.DeadRows, state.DeadCalls));
        Assert.Equal(3, Server.AllRequests.Count);
        Assert.Equal(1, Assert.Single(OutboxRows.Read(Database)).Attempts);
    }

    [Fact]
    public async Task PurgeDeadAsync_deletes_dead_rows_older_than_the_given_age_and_nothing_pending()
    {
        Server.AlwaysFail(503);
        await _host.AddCustomersAsync(OutboxTestHost.Customers("purge", 0, Calls));
        await WaitUntilAllDeadAsync(Calls);

        // Nothing is that old yet.
        Assert.Equal(0, await _host.Outbox.PurgeDeadAsync(TimeSpan.FromHours(1)));
        Assert.Equal(2, (await _host.Outbox.GetStateAsync()).DeadRows);

        // A pending row (leased far in the future so the dispatcher leaves it alone) must survive the purge.
        await _host.StopAsync();
        Server.Recover();
        await _host.AddCustomersAsync([OutboxTestHost.Customer("purge-pending")]);
        Assert.Equal(1, OutboxRows.Execute(
            Database,
            $"UPDATE {OutboxRows.Table} SET lease_owner = 'elsewhere', lease_expires_at = {DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds()} WHERE dead_at IS NULL"));

        Assert.Equal(2, await _host.Outbox.PurgeDeadAsync(TimeSpan.Zero));

        var state = await _host.Outbox.GetStateAsync();
        Assert.Equal((1, 1, 0, 0), (state.PendingRows, state.PendingCalls, state.DeadRows, state.DeadCalls));
        var left = Assert.Single(OutboxRows.Read(Database));
        Assert.Null(left.DeadAt);
        Assert.Equal(0, await _host.Outbox.RetryDeadAsync());
    }

    private async Task<KissOutboxState> WaitUntilAllDeadAsync(int calls)
    {
        KissOutboxState state = null!;
        await OutboxCalls.EventuallyAsync(
            async () =>
            {
                state = await _host.Outbox.GetStateAsync();
                return state.PendingCalls == 0 && state.DeadCalls == calls;
            },
            TimeSpan.FromSeconds(30),
            async () => $"{await _host.Outbox.GetStateAsync()}; {Server.AllRequests.Count} request(s)");
        return state;
    }
}
