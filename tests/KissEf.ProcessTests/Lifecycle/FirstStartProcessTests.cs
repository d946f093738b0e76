using System.Text.RegularExpressions;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Postgres;
using KissEf.Tests.Support;
using Xunit.Abstractions;

namespace KissEf.Tests.Lifecycle;

/// <summary>
/// Issue 15, item 3: a host that starts before its database is migrated (as eShop and the README's quick start do), or
/// whose database goes down, and is stopped with SIGTERM. Real processes (tests/KissEf.DispatcherHost "serve": default
/// console logging at Information), a real SQLite file or a private PostgreSQL server, a real HTTP endpoint on loopback.
/// </summary>
public sealed partial class FirstStartProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_host_without_its_outbox_table_stopped_with_SIGTERM_exits_0_with_one_warning_and_no_stack_trace()
    {
        using var database = new SqliteDatabase();
        await using var server = await FakeTrackingServer.StartAsync();
        using var child = Serve(database.ConnectionString, server.Endpoint);
        await WaitForStartedAsync(child);

        var exitCode = await child.TerminateAsync(Patience);

        Assert.True(exitCode == 0, $"exit code {exitCode}{Environment.NewLine}{child.Output}");
        AssertCleanOutput(child.Output);
        Assert.Contains("STOPPED", child.Output, StringComparison.Ordinal);

        // Stopped before the warning was due: the problem is still there, so the stop reports it, once.
        var warning = Assert.Single(EventLines(child.Output, 2010));
        Assert.StartsWith("warn: ", warning, StringComparison.Ordinal);
        Assert.Contains("dotnet ef migrations add", child.Output, StringComparison.Ordinal);
        Assert.Contains("dotnet ef database update", child.Output, StringComparison.Ordinal);
        Assert.Contains(nameof(OutboxShopContext), child.Output, StringComparison.Ordinal);
        Assert.Contains(OutboxRows.Table, child.Output, StringComparison.Ordinal);

        // The provider's message is quoted as a clause: "(SqliteException: SQLite Error 1: '...')." and no "'.);".
        Assert.Contains("SQLite Error 1: 'no such table: kiss_outbox')", child.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(".);", child.Output, StringComparison.Ordinal);
        Assert.Empty(server.AllRequests);
    }

    [Fact]
    public async Task A_host_waits_quietly_for_its_outbox_table_warns_once_and_delivers_once_the_table_is_created()
    {
        using var database = new SqliteDatabase();
        await using var server = await FakeTrackingServer.StartAsync();
        using var child = Serve(database.ConnectionString, server.Endpoint);
        await WaitForStartedAsync(child);

        // Ten seconds without a table (a hundred polls): one warning, nothing else.
        await child.WaitForLineAsync(line => line.Contains("[2010]", StringComparison.Ordinal), "the 2010 warning", Patience);
        AssertCleanOutput(child.Output);
        Assert.Single(EventLines(child.Output, 2010));

        // The database is migrated while the host runs: the next save is delivered.
        await using (var app = OutboxTestHost.Create(database, server))
        {
            await app.EnsureCreatedAsync();
            await app.AddCustomersAsync([OutboxTestHost.Customer("after-migration")]);
        }

        await server.WaitForCallsAsync(1, Patience);
        Assert.Equal(OutboxTestHost.EmailOf("after-migration"), Assert.Single(server.Calls).Get("_p"));
        await child.WaitForLineAsync(line => line.Contains("[2012]", StringComparison.Ordinal), "the 2012 line", Patience);

        var exitCode = await child.TerminateAsync(Patience);

        Assert.True(exitCode == 0, $"exit code {exitCode}{Environment.NewLine}{child.Output}");
        AssertCleanOutput(child.Output);
        Assert.Single(EventLines(child.Output, 2010));
        Assert.Single(EventLines(child.Output, 2012));
        Assert.Empty(OutboxRows.Read(database));
    }

    [Fact]
    public async Task A_host_on_PostgreSQL_delivers_once_its_table_is_created_and_exits_0_on_SIGTERM_with_the_server_stopped()
    {
        // A server of this test's own: it is stopped under the host.
        var postgres = new PostgresServer();
        await postgres.InitializeAsync();
        try
        {
            Assert.True(postgres.Unavailable is null, postgres.Unavailable);
            var connectionString = postgres.CreateDatabase();
            await using var server = await FakeTrackingServer.StartAsync();
            using var child = Serve(connectionString, server.Endpoint);
            await WaitForStartedAsync(child);

            // Migrated while the host runs; the commit's NOTIFY wakes the host's listener.
            await using (var app = OutboxTestHost.Create(connectionString, server.Endpoint))
            {
                await app.EnsureCreatedAsync();
                await app.AddCustomersAsync(OutboxTestHost.Customers("pg", 0, 3));
            }

            await server.WaitForCallsAsync(3, Patience);

            postgres.Stop();
            var exitCode = await child.TerminateAsync(Patience);

            Assert.True(exitCode == 0, $"exit code {exitCode}{Environment.NewLine}{child.Output}");
            AssertCleanOutput(child.Output);
            Assert.Contains("STOPPED", child.Output, StringComparison.Ordinal);
            Assert.True(EventLines(child.Output, 2010).Count <= 1, child.Output);
            Assert.True(EventLines(child.Output, 2011).Count <= 1, child.Output);
        }
        finally
        {
            await postgres.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_host_on_PostgreSQL_without_its_table_exits_0_on_SIGTERM_with_the_server_stopped()
    {
        var postgres = new PostgresServer();
        await postgres.InitializeAsync();
        try
        {
            Assert.True(postgres.Unavailable is null, postgres.Unavailable);
            await using var server = await FakeTrackingServer.StartAsync();
            using var child = Serve(postgres.CreateDatabase(), server.Endpoint);
            await WaitForStartedAsync(child);

            postgres.Stop();
            var exitCode = await child.TerminateAsync(Patience);

            Assert.True(exitCode == 0, $"exit code {exitCode}{Environment.NewLine}{child.Output}");
            AssertCleanOutput(child.Output);

            // Whichever the stop found (the table missing, or no server), it says so once.
            Assert.Single(EventLines(child.Output, 2010).Concat(EventLines(child.Output, 2011)));
        }
        finally
        {
            await postgres.DisposeAsync();
        }
    }

    /// <summary>tests/KissEf.DispatcherHost in "serve" mode: default console logging, no migration, poll every 100 ms.</summary>
    private static ServedProcess Serve(string connectionString, Uri endpoint)
        => ServedProcess.Start(
            ChildDotnet.RecordedAssembly("KissEfDispatcherHostPath"),
            ["serve", connectionString, endpoint.AbsoluteUri, ((int)Poll.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture)]);

    private static Task WaitForStartedAsync(ServedProcess child)
        => child.WaitForLineAsync(line => line.StartsWith("STARTED ", StringComparison.Ordinal), "STARTED", Patience);

    /// <summary>No error, no stack trace, no crash: what a user sees of a host stopped before it migrates.</summary>
    private void AssertCleanOutput(string childOutput)
    {
        output.WriteLine(childOutput);
        AssertClean(childOutput);
    }

    private static void AssertClean(string output)
    {
        Assert.DoesNotMatch(StackFrame(), output);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("fail: ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("crit: ", output, StringComparison.Ordinal);
        Assert.DoesNotContain(OutboxShop.ApiKey, output, StringComparison.Ordinal);
    }

    /// <summary>The console logger's header lines ("warn: Category[id]") of <paramref name="eventId"/>.</summary>
    private static List<string> EventLines(string output, int eventId)
        => [.. ServedProcess.Lines(output).Where(l => l.Contains($"[{eventId}]", StringComparison.Ordinal))];

    [GeneratedRegex(@"^\s+at \S+", RegexOptions.Multiline)]
    private static partial Regex StackFrame();
}
