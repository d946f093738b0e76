using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Backfill;

/// <summary>
/// A backfill killed (SIGKILL) in the middle of an enqueue: its committed chunks stay, the chunk in flight rolls back,
/// and the same backfill run again in another process resumes after the last committed chunk; every row's call is
/// delivered exactly once.
/// </summary>
public sealed class BackfillCrashTests
{
    [Fact]
    public async Task A_killed_enqueue_resumes_after_its_last_committed_chunk_and_every_call_arrives_once()
    {
        using var database = new SqliteDatabase();
        await using var server = await FakeTrackingServer.StartAsync();

        int announced;
        using (var child = OutboxCrashHostProcess.Start(database.FilePath, server.Endpoint, mode: "backfill"))
        {
            announced = await child.WaitForCommittedAsync(TimeSpan.FromSeconds(90));
            await child.KillAsync();
            Assert.True(child.HasExited);
            Assert.Empty(server.AllRequests);
        }

        // What the dead process left: whole chunks of 100 calls, and its checkpoint (a row of no call).
        var left = OutboxRows.Read(database);
        var calls = left.Sum(r => r.CallCount);
        Assert.True(calls >= announced && calls < 1000, $"{calls} calls left in the outbox");
        Assert.Equal(0, calls % 100);
        Assert.Single(left, r => r.CallCount == 0);

        await using var next = OutboxTestHost.Create(database, server, maps: OutboxShop.MapCustomersForBackfill);
        await next.StartAsync();
        KissBackfillReport report;
        using (var scope = next.Services.CreateScope())
        {
            report = await next.Services.GetRequiredService<IKissBackfill>()
                .EnqueueAsync(scope.ServiceProvider.GetRequiredService<OutboxShopContext>().Customers);
        }

        Assert.True(report.Resumed);
        Assert.Equal(1000 - calls, report.RowsRead);
        await server.WaitForCallsAsync(1000, TimeSpan.FromSeconds(60));
        await next.Dispatcher.FlushAsync();

        var imported = server.Calls.Where(c => c.Get("_n") == OutboxShop.Imported).ToList();
        Assert.Equal(1000, imported.Count);
        Assert.Equal(1000, imported.Select(c => c.Get("_p")).Distinct().Count());
        Assert.Equal(1000, server.AllRequests.Count);
        Assert.Empty(OutboxRows.Read(database));
    }
}
