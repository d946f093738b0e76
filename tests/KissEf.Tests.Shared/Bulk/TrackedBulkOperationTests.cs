using System.Data.Common;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.Bulk;

/// <summary>
/// Issue 18, item 1: <c>ExecuteUpdateTracked(Async)</c> and <c>ExecuteDeleteTracked(Async)</c> make exactly the calls a
/// save of each row would (the same rows changed with SaveChanges are the reference), atomically with the statement,
/// in chunks, and a concurrent writer cannot slip between KissEf's read and the statement. <c>KissEf.FunctionalTests</c>
/// runs them on SQLite files, <c>KissEf.PostgreSql.Tests</c> on the private PostgreSQL server.
/// </summary>
public abstract class TrackedBulkOperationTests : OutboxTestBase
{
    protected abstract Provider Provider { get; }

    [Fact]
    public async Task An_update_of_thousands_of_rows_makes_the_calls_a_save_of_each_row_would_each_delivered_once()
    {
        await using var host = await CreateAsync();
        await host.AddOrdersAsync("bulk", 1500);
        await host.AddOrdersAsync("save", 1500);

        var updated = await host.WithContextAsync(db => db.Orders.Where(o => o.Batch == "bulk" && o.Total >= 0)
            .ExecuteUpdateTrackedAsync(s => s.SetProperty(o => o.Status, "archived")));
        await host.Dispatcher.FlushAsync();
        var bulk = Signatures(Server.Calls);
        Server.Reset();

        await host.WithContextAsync(async db =>
        {
            foreach (var order in await db.Orders.Include(o => o.Buyer).Where(o => o.Batch == "save").ToListAsync())
            {
                order.Status = "archived";
            }

            await db.SaveChangesAsync();
        });
        await host.Dispatcher.FlushAsync();
        var saved = Signatures(Server.Calls);

        // Every row matched the statement; the 500 already archived were left as they were, and make no call.
        Assert.Equal(1500, updated);
        Assert.Equal(2000, bulk.Count);
        Assert.Equal(saved, bulk);
        Assert.Contains($"/e?_n={BulkShop.StatusChanged}&_p={BulkHost.BuyerGuid(2)}&previous status=new&status=archived", bulk);
        Assert.All(await host.StatusesAsync("bulk"), s => Assert.Equal("archived", s));
        Assert.Empty(host.Logs.WithEventId(KissEfEventId.UntrackedBulkOperation));
    }

    [Fact]
    public async Task A_delete_makes_the_OnDeleted_calls_a_save_would_with_the_values_as_they_were()
    {
        await using var host = await CreateAsync();
        await host.AddOrdersAsync("bulk", 2000);
        await host.AddOrdersAsync("save", 2000);

        var deleted = await host.WithContextAsync(db => db.Orders.Where(o => o.Batch == "bulk" && o.Total % 2 == 0).ExecuteDeleteTrackedAsync());
        await host.Dispatcher.FlushAsync();
        var bulk = Signatures(Server.Calls);
        Server.Reset();

        await host.WithContextAsync(async db =>
        {
            db.Orders.RemoveRange(await db.Orders.Include(o => o.Buyer).Where(o => o.Batch == "save" && o.Total % 2 == 0).ToListAsync());
            await db.SaveChangesAsync();
        });
        await host.Dispatcher.FlushAsync();

        Assert.Equal(1000, deleted);
        Assert.Equal(1000, bulk.Count);
        Assert.Equal(Signatures(Server.Calls), bulk);
        Assert.Contains($"/e?_n={BulkShop.Deleted}&_p={BulkHost.BuyerGuid(1)}&status=archived&total=0", bulk);
        Assert.Equal(1000, (await host.StatusesAsync("bulk")).Count);
    }

    [Fact]
    public async Task The_sync_methods_make_the_same_calls()
    {
        await using var host = await CreateAsync();
        await host.AddOrdersAsync("sync", 6);

        var updated = await host.WithContextAsync(db => Task.FromResult(db.Orders.Where(o => o.Total < 3).ExecuteUpdateTracked(s => s.SetProperty(o => o.Total, o => o.Total + 10))));
        var deleted = await host.WithContextAsync(db => Task.FromResult(db.Orders.Where(o => o.Total >= 3 && o.Total < 5).ExecuteDeleteTracked()));
        await host.Dispatcher.FlushAsync();

        Assert.Equal((3, 2), (updated, deleted));
        Assert.Equal(
            [
                $"/e?_n={BulkShop.Deleted}&_p={BulkHost.BuyerGuid(1)}&status=archived&total=3",
                $"/e?_n={BulkShop.Deleted}&_p={BulkHost.BuyerGuid(2)}&status=new&total=4",
                $"/e?_n={BulkShop.Touched}&_p={BulkHost.BuyerGuid(1)}&total=10",
                $"/e?_n={BulkShop.Touched}&_p={BulkHost.BuyerGuid(2)}&total=11",
                $"/e?_n={BulkShop.Touched}&_p={BulkHost.BuyerGuid(3)}&total=12",
            ],
            Signatures(Server.Calls));
    }

    [Fact]
    public async Task A_rolled_back_transaction_sends_nothing_and_a_committed_one_sends_its_calls()
    {
        await using var host = await CreateAsync();
        await host.AddOrdersAsync("tx", 30);

        await host.WithContextAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            Assert.Equal(30, await db.Orders.ExecuteUpdateTrackedAsync(s => s.SetProperty(o => o.Status, "void")));
            await transaction.RollbackAsync();
        });
        await host.Dispatcher.FlushAsync();
        Assert.Empty(Server.AllRequests);
        Assert.Empty(await OutboxCallsAsync(host));
        Assert.DoesNotContain("void", await host.StatusesAsync("tx"));

        await host.WithContextAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            await db.Orders.Where(o => o.Total < 10).ExecuteUpdateTrackedAsync(s => s.SetProperty(o => o.Status, "paid"));
            await db.Orders.Where(o => o.Total >= 25).ExecuteDeleteTrackedAsync();
            await transaction.CommitAsync();
        });
        await host.Dispatcher.FlushAsync();

        Assert.Equal(20, Server.Calls.Events(BulkShop.StatusChanged).Count + Server.Calls.Events(BulkShop.Touched).Count);
        Assert.Equal(5, Server.Calls.Events(BulkShop.Deleted).Count);
        Assert.Equal(25, Server.Calls.AsCounted().Count);
    }

    [Fact]
    public async Task A_failed_operation_in_a_transaction_is_undone_and_the_transaction_goes_on()
    {
        await using var host = await CreateAsync();
        await host.AddOrdersAsync("fail", 5);

        await host.WithContextAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            await db.Orders.Where(o => o.Total == 4).ExecuteUpdateTrackedAsync(s => s.SetProperty(o => o.Status, "paid"));

            // Every order's total set to 7: the unique (batch, total) index refuses the statement.
            await Assert.ThrowsAnyAsync<DbException>(() => db.Orders.Where(o => o.Total < 4).ExecuteUpdateTrackedAsync(s => s.SetProperty(o => o.Total, 7)));

            db.Orders.Add(new BulkOrder { Batch = "fail", Total = 50, BuyerId = 1 });
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
        });
        await host.Dispatcher.FlushAsync();

        // The first operation and the save committed with their calls; the failed one left nothing.
        Assert.Equal(["archived", "new", "new", "archived", "paid", "new"], await host.StatusesAsync("fail"));
        Assert.Equal(
            [$"/e?_n={BulkShop.StatusChanged}&_p={BulkHost.BuyerGuid(2)}&previous status=new&status=paid", $"/e?_n={BulkShop.Touched}&_p={BulkHost.BuyerGuid(2)}&total=4"],
            Signatures(Server.Calls));
    }

    [Fact]
    public async Task A_soft_delete_through_the_query_filter_is_an_update_read_as_saved()
    {
        await using var host = await CreateAsync();
        await host.AddOrdersAsync("soft", 4);

        await host.WithContextAsync(db => db.Orders.Where(o => o.Total >= 2).ExecuteUpdateTrackedAsync(s => s.SetProperty(o => o.Hidden, true).SetProperty(o => o.Total, o => o.Total + 100)));
        await host.Dispatcher.FlushAsync();

        // The rows no longer match the filter once saved, and are still read: each made its OnModified call.
        Assert.Equal([$"/e?_n={BulkShop.Touched}&_p={BulkHost.BuyerGuid(1)}&total=103", $"/e?_n={BulkShop.Touched}&_p={BulkHost.BuyerGuid(3)}&total=102"], Signatures(Server.Calls));
    }

    [Fact]
    public async Task A_row_another_writer_changes_during_the_operation_is_read_as_that_writer_left_it()
    {
        await using var host = await CreateAsync();
        await host.AddOrdersAsync("race", 10);
        var connection = await ConnectionStringAsync();

        // The other writer holds a change of order 1 (status new) in a transaction not yet committed.
        await using var writer = OpenWriter(connection);
        await using var writing = await writer.Database.BeginTransactionAsync();
        await writer.Database.ExecuteSqlRawAsync("UPDATE bulk_orders SET \"Status\" = 'paid' WHERE \"Total\" = 1");

        // On a thread of its own: SQLite's provider waits for the write lock synchronously.
        var bulk = Task.Run(() => host.WithContextAsync(db => db.Orders.Where(o => o.Status == "new").ExecuteUpdateTrackedAsync(s => s.SetProperty(o => o.Status, "archived"))));
        await WaitUntilBlockedAsync(connection, bulk);
        await writing.CommitAsync();
        var updated = await bulk;
        await host.Dispatcher.FlushAsync();

        // Order 1 is paid, not new, when KissEf reads it: it is not updated and makes no call.
        Assert.Equal(5, updated);
        Assert.Equal("paid", (await host.StatusesAsync("race"))[1]);
        Assert.Equal(5, Server.Calls.Events(BulkShop.StatusChanged).Count);
        Assert.All(Server.Calls.Events(BulkShop.StatusChanged), c => Assert.Equal("new", c.Get("previous status")));
        Assert.DoesNotContain(Server.Calls.Events(BulkShop.Touched), c => c.Get("total") == "1");
    }

    [Fact]
    public async Task A_hundred_thousand_rows_are_changed_a_chunk_at_a_time_in_one_transaction()
    {
        var statements = new BulkStatementLog();
        await using var host = await CreateAsync(o => o.BulkOperationChunkSize = 1000, db => db.AddInterceptors(statements));
        await host.WithContextAsync(db => db.Database.ExecuteSqlRawAsync(SeedSql(100_000)));

        var updated = await host.WithContextAsync(db => db.Orders.Where(o => o.Batch == "big").ExecuteUpdateTrackedAsync(s => s.SetProperty(o => o.Status, "archived")));

        // 100 statements of at most 1,000 keys, and every row's calls in the outbox (two calls each).
        Assert.Equal(100_000, updated);
        Assert.Equal(100, statements.Writes.Count(s => s.Sql.Contains("UPDATE", StringComparison.Ordinal)));
        Assert.All(statements.Writes, s => Assert.InRange(s.Keys, 1, 1000));
        Assert.Equal(200_000, (await OutboxCallsAsync(host)).Sum());
    }

    /// <summary>The calls, as the vendor counts them (one per URL), without their time: sorted text of path and pairs.</summary>
    protected static List<string> Signatures(IEnumerable<ReceivedCall> calls)
        => [.. calls.AsCounted()
            .Select(c => c.Path + "?" + string.Join('&', c.Query.Where(p => p.Key is not ("_t" or "_d" or "_k")).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")))
            .Order(StringComparer.Ordinal)];

    private async Task<BulkHost> CreateAsync(Action<KissTrackingOptions>? configure = null, Action<DbContextOptionsBuilder>? context = null)
    {
        var host = new BulkHost(await ConnectionStringAsync(), Server.Endpoint, configure, context);
        await host.CreateAsync();
        return host;
    }

    private string? _connection;

    private async Task<string> ConnectionStringAsync() => _connection ??= await Providers.CreateDatabaseAsync(Provider, Database);

    private BulkShopContext OpenWriter(string connection)
        => new(new DbContextOptionsBuilder<BulkShopContext>().Use(Provider, connection).Options);

    /// <summary>The call count of each outbox row.</summary>
    private static Task<List<int>> OutboxCallsAsync(BulkHost host)
        => host.WithContextAsync(db => db.Set<KissEf.Outbox.KissOutboxMessage>().AsNoTracking().Select(r => r.CallCount).ToListAsync());

    /// <summary>
    /// Until a session waits for a lock (the other writer's, PostgreSQL), polled with a deadline. On
    /// SQLite the operation's write transaction waits at its start, which no view shows: the test goes on at once.
    /// </summary>
    private async Task WaitUntilBlockedAsync(string connection, Task operation)
    {
        if (Provider != Provider.Postgres)
        {
            return;
        }

        // A connection of its own: inside a transaction PostgreSQL shows the activity as of its first read.
        await using var watcher = OpenWriter(connection);
        await OutboxCalls.EventuallyAsync(
            async () =>
            {
                if (operation.IsCompleted)
                {
                    await operation;
                    Assert.Fail("The bulk operation ended without waiting for the other writer's lock.");
                }

                return await watcher.Database
                    .SqlQueryRaw<long>("SELECT count(*) AS \"Value\" FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
                    .SingleAsync() > 0;
            },
            TimeSpan.FromSeconds(30),
            () => Task.FromResult("The bulk operation never waited for the other writer's lock."));
    }

    private string SeedSql(int rows) => Provider == Provider.Postgres
        ? $"INSERT INTO bulk_orders (\"Status\", \"Total\", \"Batch\", \"Hidden\", \"BuyerId\") SELECT 'new', i, 'big', false, i % 3 + 1 FROM generate_series(1, {rows}) AS i"
        : $"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) INSERT INTO bulk_orders (\"Status\", \"Total\", \"Batch\", \"Hidden\", \"BuyerId\") SELECT 'new', i, 'big', 0, i % 3 + 1 FROM n";
}
