using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Lifecycle;

/// <summary>
/// Issue 15, item 3, in process: a host that migrates right after it starts (the README's quick start, eShop's
/// migration hosted service) has its table before the dispatcher's report is due: nothing is logged (the looks at the
/// missing table are quiet), and its calls are delivered.
/// </summary>
public sealed class StartBeforeMigrateTests
{
    [Fact]
    public async Task A_host_that_creates_its_table_right_after_it_starts_logs_nothing_and_delivers()
    {
        using var database = new SqliteDatabase();
        await using var server = await FakeTrackingServer.StartAsync();
        var connections = new ConnectionOpenCounter();
        await using var host = OutboxTestHost.Create(database.ConnectionString, server.Endpoint, context: db => db.AddInterceptors(connections));

        // The dispatcher looks for its table a few times (a poll every 50 ms) before the application creates it.
        await host.StartAsync();
        await OutboxCalls.EventuallyAsync(() => Task.FromResult(connections.Opened >= 5), TimeSpan.FromSeconds(30), () => Task.FromResult($"{connections.Opened} connection(s) opened"));
        await host.EnsureCreatedAsync();
        await host.AddCustomersAsync(OutboxTestHost.Customers("early", 0, 3));
        await server.WaitForCallsAsync(3, TimeSpan.FromSeconds(30));
        await host.StopAsync();

        Assert.Equal(3, server.Calls.Count);
        Assert.True(!host.Logs.Kiss.Any(e => e.Level >= LogLevel.Information), host.Logs.ToString());
        Assert.Empty(OutboxRows.Read(database));
    }
}
