using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;

namespace KissEf.Tests.Outbox;

/// <summary>
/// Issue 3, "Crash": a child process commits tracked changes and is killed (SIGKILL) before it dispatches; a new
/// process on the same database delivers every call, exactly the calls that were committed.
/// </summary>
public sealed class OutboxCrashTests
{
    private static readonly TimeSpan ChildDeadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_killed_process_loses_no_committed_call_and_leaks_no_rolled_back_one()
    {
        using var database = new SqliteDatabase();
        await using var server = await FakeTrackingServer.StartAsync();

        // The child commits and never dispatches (its host is built, not started), then waits to be killed.
        int committed;
        using (var child = OutboxCrashHostProcess.Start(database.FilePath, server.Endpoint))
        {
            committed = await child.WaitForCommittedAsync(ChildDeadline);
            await child.KillAsync();
            Assert.True(child.HasExited);
            Assert.True(server.AllRequests.Count == 0, $"The crash host sent calls before it was killed:{Environment.NewLine}{string.Join(Environment.NewLine, server.AllRequests)}");
        }

        var expected = ExpectedCalls();
        Assert.Equal(expected.Count, committed);

        // What the dead process left: its committed calls, in chunk rows, without the API key.
        var left = OutboxRows.Read(database);
        Assert.Equal(expected.Count, left.Sum(r => r.CallCount));
        Assert.All(left, r => Assert.Equal(r.CallCount, r.Lines.Count));
        Assert.All(left, r => Assert.Null(r.LeaseOwner));
        OutboxRows.AssertNoApiKey(database);
        Assert.Equal(0, OutboxRows.CountCustomers(database, "rollback-%"));
        Assert.Equal(0, OutboxRows.CountCustomers(database, "disposed-%"));
        Assert.Equal(0, OutboxRows.CountCustomers(database, "failed-%"));

        // A new process (here: a host in the test process) on the same file sends them once started.
        await using var next = OutboxTestHost.Create(database, server);
        await next.StartAsync();
        await server.WaitForCallsAsync(expected.Count, TimeSpan.FromSeconds(30));
        await next.Dispatcher.FlushAsync();

        OutboxCalls.AssertSameCalls(expected, server.Calls.Select(OutboxCalls.KeyOf));
        Assert.Equal(expected.Count, server.AllRequests.Count);
        OutboxCalls.AssertWellFormed(server.Calls);
        Assert.DoesNotContain(server.AllRequests, c => c.Get("_p") is { } p && (p.StartsWith("rollback-", StringComparison.Ordinal)
            || p.StartsWith("disposed-", StringComparison.Ordinal) || p.StartsWith("failed-", StringComparison.Ordinal)));
        Assert.DoesNotContain(server.AllRequests, c => c.Get("score") == "99");

        var state = await next.Outbox.GetStateAsync();
        Assert.Equal(new KissOutboxState(0, 0, 0, 0, null), state with { Contexts = null });
        Assert.Empty(OutboxRows.Read(database));
        Assert.Empty(next.Logs.Errors);
    }

    /// <summary>What tests/KissEf.CrashHost/Program.cs commits, written out independently of it.</summary>
    private static List<string> ExpectedCalls()
    {
        static string SignedUp(int i) => OutboxCalls.SignedUp($"crash-{i}", $"crash-{i}@crash.test", $"Customer crash-{i}");
        var committedCustomers = Enumerable.Range(0, 151)        // 1. one implicit save of 150, 2. a single-statement save
            .Concat(Enumerable.Range(200, 10))                   // 3. a user transaction, first save
            .Concat([300, 301])                                  // 7. good saves around a failed one in a user transaction
            .Concat(Enumerable.Range(400, 5));                   // 8. several implicit saves on one context
        return
        [
            .. committedCustomers.Select(SignedUp),
            .. Enumerable.Range(200, 5).Select(i => OutboxCalls.Scored($"crash-{i}@crash.test", 7)), // 3. second save
        ];
    }
}
