using KissEf.Tests.Infrastructure;
using KissEf.Tests.Postgres;
using KissEf.Tests.Support;

namespace KissEf.Tests.Load;

/// <summary>Issue 10, load: many concurrent writers on one PostgreSQL outbox while two instances dispatch.</summary>
public sealed class PostgresLoadTests
{
    private const int Writers = 16;
    private const int SavesPerWriter = 500;

    [Fact]
    public async Task Sixteen_writers_committing_and_rolling_back_500_saves_each_get_every_committed_call_delivered_once_and_no_other()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        var connection = (await SharedPostgres.GetAsync()).CreateDatabase();
        await using var a = OutboxTestHost.Create(connection, server.Endpoint);
        await using var b = OutboxTestHost.Create(connection, server.Endpoint);
        await a.EnsureCreatedAsync();
        await a.StartAsync();
        await b.StartAsync();

        // Every third save of a writer is rolled back: a user transaction disposed or rolled back after its save.
        var committed = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var host = w % 2 == 0 ? a : b;
            for (var i = 0; i < SavesPerWriter; i++)
            {
                var key = $"load{w}-{i}";
                var commit = i % 3 != 0;
                await host.WithContextAsync(async db =>
                {
                    await using var tx = await db.Database.BeginTransactionAsync();
                    db.Customers.Add(OutboxTestHost.Customer(key));
                    await db.SaveChangesAsync();
                    if (commit)
                    {
                        await tx.CommitAsync();
                    }
                    else if (i % 2 == 0)
                    {
                        await tx.RollbackAsync();
                    }
                });
                if (commit)
                {
                    committed.Add(OutboxTestHost.EmailOf(key));
                }
            }
        })));

        var expected = committed.ToHashSet(StringComparer.Ordinal);
        Assert.Equal(Writers * (SavesPerWriter - ((SavesPerWriter + 2) / 3)), expected.Count);
        await server.WaitForCallsAsync(expected.Count, TimeSpan.FromSeconds(120));
        await a.Dispatcher.FlushAsync();
        await b.Dispatcher.FlushAsync();

        var calls = server.AllRequests;
        Assert.Equal(expected.Count, calls.Count);
        Assert.True(expected.SetEquals(calls.Select(c => c.Get("_p")!)), "the delivered calls are not the committed ones");
        Assert.Equal(expected.Count, await OutboxRows.CountCustomersAsync(a));
        Assert.Equal(0, (await a.Outbox.GetStateAsync()).PendingRows);
        Assert.Empty(a.Logs.Errors);
        Assert.Empty(b.Logs.Errors);
    }
}
