using System.Diagnostics;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Postgres;
using KissEf.Tests.Support;
using Xunit.Abstractions;

namespace KissEf.Tests.Instances;

/// <summary>
/// Issue 10, cross-instance wake: instance A commits with no dispatcher of its own; only instance B (another process)
/// dispatches, with a 30 s poll interval. On PostgreSQL the commit's NOTIFY wakes B, so each call is delivered long
/// before B would have polled. Prints the commit-to-delivery latency (p50, p99, max).
/// </summary>
public sealed class CrossInstanceWakeTests(ITestOutputHelper output)
{
    private const int Commits = 200;
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_commit_on_one_instance_is_delivered_by_another_without_waiting_for_its_poll()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        var connection = (await SharedPostgres.GetAsync()).CreateDatabase();
        await using var a = OutboxTestHost.Create(connection, server.Endpoint); // never started: no dispatcher in A
        await a.EnsureCreatedAsync();
        using var b = DispatcherHostProcess.Start(connection, server.Endpoint, lease: TimeSpan.FromSeconds(30), poll: Poll);
        try
        {
            await b.WaitForStartedAsync(TimeSpan.FromSeconds(60));

            // Well under the poll interval: a delivery this late means the wake did not work. A first commit, not
            // measured, warms up both processes: B's first batch compiles its queries and makes its first client, which
            // on a loaded 2-core machine took longer than 5 s, so it gets a minute (the poll may deliver it).
            var deadline = TimeSpan.FromSeconds(5);
            await a.AddCustomersAsync([OutboxTestHost.Customer("warm-up")]);
            await server.WaitForCallsAsync(1, TimeSpan.FromSeconds(60));
            var latencies = new List<double>(Commits);
            for (var i = 0; i < Commits; i++)
            {
                await a.AddCustomersAsync([OutboxTestHost.Customer($"wake-{i}")]);
                var committed = DateTimeOffset.UtcNow;
                var email = OutboxTestHost.EmailOf($"wake-{i}");
                var started = Stopwatch.GetTimestamp();
                await server.WaitUntilAsync((ok, _) => ok.Count > i + 1, $"the call of commit {i} (delivered by the other instance)", deadline);
                var call = Assert.Single(server.Calls, c => c.Get("_p") == email);
                latencies.Add(Math.Max(0, (call.ReceivedAt - committed).TotalMilliseconds));
                Assert.True(Stopwatch.GetElapsedTime(started) < deadline);
            }

            latencies.Sort();
            output.WriteLine(
                $"commit-to-delivery across instances, {Commits} commits: p50 {Percentile(latencies, 0.50):F1} ms, " +
                $"p99 {Percentile(latencies, 0.99):F1} ms, max {latencies[^1]:F1} ms (poll interval {Poll.TotalSeconds:F0} s)");
        }
        finally
        {
            await b.StopAsync();
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
