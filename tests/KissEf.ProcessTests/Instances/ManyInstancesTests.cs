using KissEf.Tests.Infrastructure;
using KissEf.Tests.Postgres;
using KissEf.Tests.Support;
using Xunit.Abstractions;

namespace KissEf.Tests.Instances;

/// <summary>
/// Issue 10: several application instances on one PostgreSQL outbox, as real processes. The database is the only
/// thing they share: claims with SKIP LOCKED under a lease, and LISTEN/NOTIFY for the wake.
/// </summary>
public sealed class ManyInstancesTests(ITestOutputHelper output)
{
    private const int Writers = 8;
    private const int SavesPerWriter = 50;
    private const int CustomersPerSave = 50;
    private const int Total = Writers * SavesPerWriter * CustomersPerSave;
    // A live instance sends nothing whose lease another may take (a late claim, a lapsed batch is given back), and
    // renews its lease until its rows are deleted. What is left is a stall in which no renewal gets through for the
    // rest of the lease, which would make a legitimate at-least-once duplicate; 6 s outlasts the stalls of a loaded
    // 2-core machine (seconds, while a process's first statements compile; renewal every third of the lease).
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task Four_dispatcher_processes_deliver_20000_calls_each_once_and_a_killed_ones_rows_come_back_after_its_lease()
    {
        await using var server = await FakeTrackingServer.StartAsync();

        // A tracking host that answers in 5 ms, so that every instance always has calls in flight.
        server.SetResponder((_, _) => new FakeResponse(200, Delay: TimeSpan.FromMilliseconds(5)));
        var connection = (await SharedPostgres.GetAsync()).CreateDatabase();
        await using var writer = OutboxTestHost.Create(connection, server.Endpoint); // never started: it only writes
        await writer.EnsureCreatedAsync();

        var instances = Enumerable.Range(0, 4)
            .Select(_ => DispatcherHostProcess.Start(connection, server.Endpoint, Lease, poll: TimeSpan.FromSeconds(1)))
            .ToList();
        try
        {
            await Task.WhenAll(instances.Select(i => i.WaitForStartedAsync(TimeSpan.FromSeconds(60))));

            // Concurrent writers commit while the four instances drain.
            var writing = Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                for (var save = 0; save < SavesPerWriter; save++)
                {
                    await writer.AddCustomersAsync(OutboxTestHost.Customers($"w{w}", save * CustomersPerSave, CustomersPerSave));
                }
            })));

            // Mid-drain: kill (SIGKILL) an instance that holds leases right now.
            await server.WaitForCallsAsync(Total / 4, TimeSpan.FromSeconds(120));
            DispatcherHostProcess? victim = null;
            await OutboxCalls.EventuallyAsync(
                async () =>
                {
                    var owners = (await OutboxRows.ReadAsync(writer)).Select(r => r.LeaseOwner).OfType<string>().ToList();
                    victim = instances.FirstOrDefault(i => owners.Any(o => o.Contains($"/{i.ProcessId}/", StringComparison.Ordinal)));
                    return victim is not null;
                },
                TimeSpan.FromSeconds(60),
                () => Task.FromResult("no instance held a lease"));
            await victim!.KillAsync();
            var orphaned = (await OutboxRows.ReadAsync(writer))
                .Where(r => r.LeaseOwner?.Contains($"/{victim.ProcessId}/", StringComparison.Ordinal) == true)
                .ToList();
            Assert.NotEmpty(orphaned);

            await writing;
            var expected = Enumerable.Range(0, Writers)
                .SelectMany(w => Enumerable.Range(0, SavesPerWriter * CustomersPerSave).Select(i => OutboxTestHost.EmailOf($"w{w}-{i}")))
                .ToHashSet(StringComparer.Ordinal);
            await server.WaitUntilAsync(
                (ok, _) => ok.Count >= Total && ok.Select(c => c.Get("_p")).Distinct().Count() >= Total,
                $"{Total} distinct calls",
                TimeSpan.FromSeconds(180));

            var calls = server.Calls;
            Assert.True(expected.SetEquals(calls.Select(c => c.Get("_p")!)), "the delivered calls are not the committed ones");
            Assert.Empty(server.ConcurrentDuplicates);

            // The killed instance's rows were taken by the others only once their lease had ended; a call of those rows
            // may come twice (the killed instance sent it before it died), no other call does.
            var orphanedCalls = orphaned.SelectMany(r => r.Lines).Select(EmailOfLine).ToHashSet(StringComparer.Ordinal);
            foreach (var row in orphaned)
            {
                foreach (var email in row.Lines.Select(EmailOfLine))
                {
                    var last = calls.Where(c => c.Get("_p") == email).Max(c => c.ReceivedAt);
                    Assert.True(
                        last.ToUnixTimeMilliseconds() >= row.LeaseExpiresAt,
                        $"{email} of row {row.Id} was last delivered at {last:HH:mm:ss.fff}, before the killed instance's lease ended ({DateTimeOffset.FromUnixTimeMilliseconds(row.LeaseExpiresAt):HH:mm:ss.fff})");
                }
            }

            var twice = calls.GroupBy(c => c.Get("_p")!).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.All(twice, email => Assert.Contains(email, orphanedCalls));

            // The survivors emptied the table, and each of them delivered a share.
            await OutboxCalls.EventuallyAsync(
                async () => (await writer.Outbox.GetStateAsync()).PendingRows == 0,
                TimeSpan.FromSeconds(30),
                async () => $"{(await writer.Outbox.GetStateAsync()).PendingRows} row(s) left");
            Assert.All(instances.Where(i => i != victim), i => Assert.False(i.HasExited, i.Output));
            output.WriteLine(
                $"{Total} calls, 4 instances, one killed with {orphaned.Count} leased row(s) ({orphanedCalls.Count} calls); " +
                $"{calls.Count} deliveries, {twice.Count} call(s) sent again after the kill");
        }
        finally
        {
            await Task.WhenAll(instances.Select(StopQuietlyAsync));
        }
    }

    /// <summary>The e-mail (<c>_p</c>) of an encoded outbox line "e?_p=...&amp;...".</summary>
    private static string EmailOfLine(string line) => Uri.UnescapeDataString(line[5..line.IndexOf('&', StringComparison.Ordinal)]);

    private static async Task StopQuietlyAsync(DispatcherHostProcess instance)
    {
        try
        {
            await instance.StopAsync();
        }
        catch (Exception)
        {
            // Dispose kills what did not stop.
        }
        finally
        {
            instance.Dispose();
        }
    }
}
