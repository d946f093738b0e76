using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.Outbox;

/// <summary>
/// Issue 19, item 1: dead rows grouped by how they failed, a group retried or purged exactly, and 100,000 dead rows
/// grouped a page at a time. <c>KissEf.FunctionalTests</c> runs them on SQLite files, <c>KissEf.PostgreSql.Tests</c> on
/// the private PostgreSQL server.
/// </summary>
public abstract class DeadGroupTests : OutboxTestBase
{
    protected abstract Provider Provider { get; }

    [Fact]
    public async Task Dead_rows_are_grouped_by_failure_and_one_group_is_retried_and_another_purged_exactly()
    {
        await using var host = await DeadRowsAsync();

        var groups = await host.Outbox.GetDeadGroupsAsync();

        Assert.Equal(
            [("HTTP 422 (UnprocessableEntity)", 1, 3), ("HTTP 400 (BadRequest)", 1, 2), ("HTTP 503 (ServiceUnavailable)", 1, 1)],
            groups.Select(g => (g.Error, g.Rows, g.Calls)));
        Assert.All(groups, g => Assert.Equal(g.Calls, Assert.Single(g.Kinds, k => k.Key == "/e " + OutboxShop.SignedUp).Value));
        Assert.All(groups, g => Assert.True(g.FirstFailedAt <= g.LastFailedAt));
        var bad = groups.Single(g => g.Error.StartsWith("HTTP 400", StringComparison.Ordinal));
        var unprocessable = groups.Single(g => g.Error.StartsWith("HTTP 422", StringComparison.Ordinal));

        Assert.Equal(0, await host.Outbox.RetryDeadAsync("000000000000"));
        Server.Reset();
        Server.Recover();
        Assert.Equal(1, await host.Outbox.RetryDeadAsync(bad.Key));
        await host.Dispatcher.FlushAsync();
        Assert.Equal([OutboxTestHost.EmailOf("bad-0"), OutboxTestHost.EmailOf("bad-1")], Server.Calls.Select(c => c.Get("_p")).Order(StringComparer.Ordinal));

        Assert.Equal(1, await host.Outbox.PurgeDeadAsync(unprocessable.Key));
        var left = Assert.Single(await host.Outbox.GetDeadGroupsAsync());
        Assert.Equal(("HTTP 503 (ServiceUnavailable)", 1), (left.Error, left.Calls));
        Assert.Equal((1, 1), ((await host.Outbox.GetStateAsync()).DeadRows, (await host.Outbox.GetStateAsync()).DeadCalls));
    }

    [Fact]
    public async Task A_hundred_thousand_dead_rows_are_grouped_a_page_at_a_time()
    {
        await using var host = await DeadRowsAsync();
        var copies = 100_000 - 3;

        // Copies of the dead 400 row, written with SQL.
        await host.WithContextAsync(db => db.Database.ExecuteSqlRawAsync(CopySql(copies)));
        var groups = await host.Outbox.GetDeadGroupsAsync();

        var bad = Assert.Single(groups, g => g.Error.StartsWith("HTTP 400", StringComparison.Ordinal));
        Assert.Equal((copies + 1, (copies + 1) * 2), (bad.Rows, bad.Calls));
        Assert.Equal(100_000, groups.Sum(g => g.Rows));
        Assert.Equal(copies + 1, await host.Outbox.PurgeDeadAsync(bad.Key));
        Assert.Equal(2, (await host.Outbox.GetStateAsync()).DeadRows);
    }

    /// <summary>A host whose outbox holds three dead rows: 2 calls refused with 400, 3 with 422, 1 given up after a 503.</summary>
    private async Task<OutboxTestHost> DeadRowsAsync()
    {
        var host = await CreateHostAsync(Provider, o => o.OutboxMaxAttempts = 1);
        await host.EnsureCreatedAsync();
        foreach (var (status, prefix, count) in new[] { (400, "bad", 2), (422, "unprocessable", 3), (503, "unavailable", 1) })
        {
            Server.AlwaysFail(status);
            await host.AddCustomersAsync(OutboxTestHost.Customers(prefix, 0, count));
            await host.Dispatcher.FlushAsync();
        }

        Assert.Equal((3, 6), ((await host.Outbox.GetStateAsync()).DeadRows, (await host.Outbox.GetStateAsync()).DeadCalls));
        return host;
    }

    private string CopySql(int copies)
    {
        const string columns = "calls, call_count, created_at, attempts, next_attempt_at, lease_owner, lease_expires_at, last_error, dead_at";
        const string values = "o.calls, o.call_count, o.created_at, o.attempts, o.next_attempt_at, o.lease_owner, o.lease_expires_at, o.last_error, o.dead_at";
        return Provider == Provider.Postgres
            ? $"INSERT INTO kiss_outbox ({columns}) SELECT {values} FROM kiss_outbox AS o, generate_series(1, {copies}) WHERE o.last_error LIKE 'HTTP 400%'"
            : $"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {copies}) INSERT INTO kiss_outbox ({columns}) SELECT {values} FROM kiss_outbox AS o, n WHERE o.last_error LIKE 'HTTP 400%'";
    }
}
