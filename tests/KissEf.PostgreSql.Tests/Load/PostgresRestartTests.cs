using KissEf.Tests.Infrastructure;
using KissEf.Tests.Postgres;
using KissEf.Tests.Support;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace KissEf.Tests.Load;

/// <summary>Issue 10, faults: the PostgreSQL server goes down and comes back while the dispatcher drains.</summary>
public sealed class PostgresRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_dispatcher_recovers_by_itself_when_the_server_restarts_mid_drain_and_no_call_is_lost()
    {
        // A server of this test's own: it is stopped and started again.
        var postgres = new PostgresServer();
        await postgres.InitializeAsync();
        try
        {
            Assert.True(postgres.Unavailable is null, postgres.Unavailable);
            await using var server = await FakeTrackingServer.StartAsync();
            server.SetResponder((_, _) => new FakeResponse(200, Delay: TimeSpan.FromMilliseconds(5)));
            await using var host = OutboxTestHost.Create(postgres.CreateDatabase(), server.Endpoint, o =>
            {
                o.LeaseDuration = TimeSpan.FromSeconds(2);
                o.ClaimBatchSize = 2;
            });
            await host.EnsureCreatedAsync();
            var expected = new HashSet<string>(StringComparer.Ordinal);
            for (var save = 0; save < 50; save++)
            {
                await host.AddCustomersAsync(OutboxTestHost.Customers("before", save * 100, 100));
            }

            expected.UnionWith(Enumerable.Range(0, 5000).Select(i => OutboxTestHost.EmailOf($"before-{i}")));
            await host.StartAsync();
            await server.WaitForCallsAsync(1000, TimeSpan.FromSeconds(60));

            postgres.Stop();
            var deliveredWhileUp = server.Calls.Count;

            // While the server is down the application's saves fail (and their calls are never sent).
            await Assert.ThrowsAnyAsync<Exception>(() => host.AddCustomersAsync([OutboxTestHost.Customer("down")]));
            postgres.Start();

            // Back up: saves succeed again. A pooled connection the restart cut may fail one save first.
            var failedAfterRestart = 0;
            var attempt = 0;
            await OutboxCalls.EventuallyAsync(
                async () =>
                {
                    try
                    {
                        await host.AddCustomersAsync([OutboxTestHost.Customer($"after-{attempt}")]);
                        expected.Add(OutboxTestHost.EmailOf($"after-{attempt}"));
                        return true;
                    }
                    catch (Exception)
                    {
                        failedAfterRestart++;
                        return false;
                    }
                    finally
                    {
                        attempt++;
                    }
                },
                TimeSpan.FromSeconds(30),
                () => Task.FromResult($"{failedAfterRestart} save(s) failed after the restart"));
            await host.AddCustomersAsync(OutboxTestHost.Customers("later", 0, 100));
            expected.UnionWith(Enumerable.Range(0, 100).Select(i => OutboxTestHost.EmailOf($"later-{i}")));

            // The dispatcher went on by itself: everything committed is delivered, the failed saves' calls never.
            await server.WaitUntilAsync(
                (ok, _) => ok.Count >= expected.Count && ok.Select(c => c.Get("_p")).Distinct().Count() >= expected.Count,
                $"{expected.Count} distinct calls",
                TimeSpan.FromSeconds(120));
            await OutboxCalls.EventuallyAsync(
                async () => (await host.Outbox.GetStateAsync()).PendingRows == 0,
                TimeSpan.FromSeconds(30),
                async () => $"{(await host.Outbox.GetStateAsync()).PendingRows} row(s) left");
            var calls = server.Calls;
            Assert.True(expected.SetEquals(calls.Select(c => c.Get("_p")!)), "the delivered calls are not the committed ones");
            Assert.Empty(server.ConcurrentDuplicates);

            // An outage of a few seconds is waited out quietly (issue 15): no error, no stack trace from KissEf (the
            // application's failed save is the application's to log).
            Assert.True(!host.Logs.Kiss.Any(e => e.Level >= LogLevel.Warning && e.EventId.Id != 2002), host.Logs.ToString());
            Assert.DoesNotContain(host.Logs.Kiss, e => e.Exception is not null);
            output.WriteLine(
                $"{deliveredWhileUp} of {expected.Count} calls delivered before the stop; {failedAfterRestart} save(s) failed after the restart; " +
                $"{calls.Count - expected.Count} call(s) sent again (a batch sent but not yet deleted when the server went down)");
        }
        finally
        {
            await postgres.DisposeAsync();
        }
    }
}
