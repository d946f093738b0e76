using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using KissEf.Tests.Support;
using Microsoft.Data.Sqlite;

namespace KissEf.Tests.Commands;

/// <summary>
/// Issue 19, commands: <c>kissef status</c> run by the sample's own executable, as docs/operations.md gives it, against
/// its SQLite file: the exact JSON, the exit codes (0 done, 1 failed, 2 usage), one error line, and the app not started.
/// </summary>
public sealed class SampleStatusCommandTests
{
    /// <summary>
    /// Makes the console print the host's "Application started" line, which the sample filters out: the console
    /// provider's own level wins over the code's filter for all providers, so the line appears exactly when the host starts.
    /// </summary>
    private const string ShowStart = "Logging__Console__LogLevel__Microsoft.Hosting.Lifetime";

    [Fact]
    public async Task Status_as_json_counts_the_pending_and_dead_rows_without_starting_the_app()
    {
        var folder = Directory.CreateTempSubdirectory("kissef-status-");
        try
        {
            // The sample's own run makes its database (and, the control, says that its host started).
            var scenario = await RunAsync(folder.FullName, "");
            Assert.True(scenario.ExitCode == 0, scenario.ToString());
            Assert.Contains("Application started", scenario.Output, StringComparison.Ordinal);

            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var database = Path.Combine(folder.FullName, "kissef-sample.db");
            await ExecuteAsync(database, $"""
                INSERT INTO kiss_outbox (calls, call_count, created_at, attempts, next_attempt_at, lease_expires_at)
                VALUES ('a', 3, {now - 3_600_000}, 0, {now}, 0), ('b', 2, {now}, 0, {now}, 0);
                INSERT INTO kiss_outbox (calls, call_count, created_at, attempts, next_attempt_at, lease_expires_at, last_error, dead_at)
                VALUES ('c', 4, {now}, 5, {now}, 0, 'HTTP 400', {now});
                """);

            var status = await RunAsync(folder.FullName, "", "kissef", "status", "--json");

            Assert.True(status.ExitCode == 0, status.ToString());
            Assert.Equal("", status.Error);
            using var json = JsonDocument.Parse(status.Output);
            var age = json.RootElement.GetProperty("oldestPendingAgeSeconds").GetInt64();
            Assert.InRange(age, 3600, 3600 + 600);
            Assert.Equal(
                $$"""
                {
                  "pendingRows": 2,
                  "pendingCalls": 5,
                  "deadRows": 1,
                  "deadCalls": 4,
                  "oldestPendingAgeSeconds": {{age}},
                  "tenants": null
                }

                """.ReplaceLineEndings(),
                status.Output);

            // Not started: no host start line, and the due rows were left for the app's dispatcher.
            Assert.DoesNotContain("Application started", status.Output + status.Error, StringComparison.Ordinal);
            Assert.Equal(2L, await ScalarAsync(database, "SELECT COUNT(*) FROM kiss_outbox WHERE dead_at IS NULL"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Dead_lists_the_groups_and_retry_and_purge_act_on_one_group_exactly()
    {
        var folder = Directory.CreateTempSubdirectory("kissef-dead-");
        try
        {
            var scenario = await RunAsync(folder.FullName, null);
            Assert.True(scenario.ExitCode == 0, scenario.ToString());
            var database = Path.Combine(folder.FullName, "kissef-sample.db");
            const string calls = "e?_n=Signed%20Up&_p=ann%40example.com&_t=1700000000\ne?_n=Signed%20Up&_p=bob%40example.com&_t=1700000000";
            await ExecuteAsync(database, $"""
                INSERT INTO kiss_outbox (calls, call_count, created_at, attempts, next_attempt_at, lease_expires_at, last_error, dead_at) VALUES
                    (replace('{calls}', '\n', char(10)), 2, 1, 1, 1, 0, 'HTTP 400 (BadRequest)', 1700000000000),
                    (replace('{calls}', '\n', char(10)), 2, 1, 1, 1, 0, 'HTTP 400 (BadRequest)', 1700000060000),
                    ('s?_p=ann%40example.com&plan=pro&_t=1700000000', 1, 1, 1, 1, 0, 'network error (ConnectionError): Connection refused (10.0.0.7:443)', 1700000120000);
                """);

            var dead = await RunAsync(folder.FullName, null, "kissef", "dead", "--json");

            Assert.True(dead.ExitCode == 0, dead.ToString());
            using var json = JsonDocument.Parse(dead.Output);
            var groups = json.RootElement.EnumerateArray().ToList();
            Assert.Equal(2, groups.Count);
            var bad = groups[0];
            Assert.Equal(("HTTP 400 (BadRequest)", 2, 4), (bad.GetProperty("error").GetString(), bad.GetProperty("rows").GetInt32(), bad.GetProperty("calls").GetInt32()));
            Assert.Equal(4, bad.GetProperty("kinds").GetProperty("/e Signed Up").GetInt32());
            Assert.Equal("2023-11-14T22:13:20+00:00", bad.GetProperty("firstFailedAt").GetString());
            Assert.Equal("2023-11-14T22:14:20+00:00", bad.GetProperty("lastFailedAt").GetString());
            var network = groups[1];
            Assert.Equal("network error (ConnectionError): Connection refused (<host>)", network.GetProperty("error").GetString());
            Assert.Equal(1, network.GetProperty("kinds").GetProperty("/s").GetInt32());

            var retry = await RunAsync(folder.FullName, null, "kissef", "retry", "--group", bad.GetProperty("key").GetString()!);
            Assert.True(retry.ExitCode == 0, retry.ToString());
            Assert.Equal($"retried 2 row(s) of group {bad.GetProperty("key").GetString()}\n", retry.Output.ReplaceLineEndings("\n"));
            Assert.Equal(2L, await ScalarAsync(database, "SELECT COUNT(*) FROM kiss_outbox WHERE dead_at IS NULL AND call_count = 2"));

            var young = await RunAsync(folder.FullName, null, "kissef", "purge", "--older-than", "36500d");
            Assert.Equal("purged 0 row(s)\n", young.Output.ReplaceLineEndings("\n"));
            var purge = await RunAsync(folder.FullName, null, "kissef", "purge", "--group", network.GetProperty("key").GetString()!);
            Assert.True(purge.ExitCode == 0, purge.ToString());
            Assert.Equal(0L, await ScalarAsync(database, "SELECT COUNT(*) FROM kiss_outbox WHERE dead_at IS NOT NULL"));

            // Neither choice, or both, is a usage error.
            Assert.Equal(2, (await RunAsync(folder.FullName, null, "kissef", "retry")).ExitCode);
            Assert.Equal(2, (await RunAsync(folder.FullName, null, "kissef", "purge", "--group", "x", "--older-than", "30d")).ExitCode);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Status_as_a_table_prints_one_line_of_totals()
    {
        var folder = Directory.CreateTempSubdirectory("kissef-status-");
        try
        {
            var database = Path.Combine(folder.FullName, "kissef-sample.db");
            await ExecuteAsync(database, """
                CREATE TABLE kiss_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, calls TEXT NOT NULL, call_count INTEGER NOT NULL,
                    created_at INTEGER NOT NULL, attempts INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL, lease_owner TEXT NULL,
                    lease_expires_at INTEGER NOT NULL, last_error TEXT NULL, dead_at INTEGER NULL);
                INSERT INTO kiss_outbox (calls, call_count, created_at, attempts, next_attempt_at, lease_expires_at, last_error, dead_at)
                VALUES ('c', 4, 0, 5, 0, 0, 'HTTP 400', 0);
                """);

            var status = await RunAsync(folder.FullName, null, "kissef", "status");

            Assert.True(status.ExitCode == 0, status.ToString());
            Assert.Equal(
                """
                outbox  pending rows  pending calls  dead rows  dead calls  oldest pending
                all                0              0          1           4  -

                """.ReplaceLineEndings("\n"),
                status.Output);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task An_unknown_command_exits_with_2_and_the_usage_line()
    {
        var folder = Directory.CreateTempSubdirectory("kissef-status-");
        try
        {
            var run = await RunAsync(folder.FullName, null, "kissef", "nope");

            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.Equal("", run.Output);
            Assert.Equal(
                """
                kissef: Required command was not provided. Unrecognized command or argument 'nope'.
                Usage: kissef status|dead [--json] | retry (--group KEY|--all) | purge (--group KEY|--older-than 30d) | backfill ENTITY [--context NAME] [--export FILE] [--verbose]. Run 'kissef --help' for the commands.

                """.ReplaceLineEndings(),
                run.Error);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Status_has_help_that_names_its_options()
    {
        var folder = Directory.CreateTempSubdirectory("kissef-status-");
        try
        {
            var run = await RunAsync(folder.FullName, null, "kissef", "status", "--help");

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("kissef status [options]", run.Output, StringComparison.Ordinal);
            Assert.Contains("--json", run.Output, StringComparison.Ordinal);
            Assert.Contains("--verbose", run.Output, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Status_without_the_outbox_table_exits_with_1_and_one_line_that_names_the_context_and_says_to_migrate()
    {
        var folder = Directory.CreateTempSubdirectory("kissef-status-");
        try
        {
            var run = await RunAsync(folder.FullName, null, "kissef", "status");

            Assert.True(run.ExitCode == 1, run.ToString());
            Assert.Equal("", run.Output);
            var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("kissef status: ", line, StringComparison.Ordinal);
            Assert.Contains("ShopContext", line, StringComparison.Ordinal);
            Assert.Contains("dotnet ef database update", line, StringComparison.Ordinal);

            // --verbose adds the stack trace.
            var verbose = await RunAsync(folder.FullName, null, "kissef", "status", "--verbose");
            Assert.True(verbose.ExitCode == 1, verbose.ToString());
            Assert.Matches(new Regex(@"^\s+at ", RegexOptions.Multiline), verbose.Error);
            Assert.DoesNotMatch(new Regex(@"^\s+at ", RegexOptions.Multiline), run.Error);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    private static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(string database, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Runs the sample's built dll in <paramref name="folder"/>; <paramref name="showStart"/> non-null shows the host's start line.</summary>
    private static async Task<Run> RunAsync(string folder, string? showStart, params string[] args)
    {
        var start = new ProcessStartInfo(ChildDotnet.Host())
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ChildDotnet.RecordedAssembly("KissEfSampleAppPath"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        if (showStart is not null)
        {
            start.Environment[ShowStart] = "Information";
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(deadline.Token);
        return new Run(process.ExitCode, await output, await error);
    }

    private sealed record Run(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}:{Environment.NewLine}{Output}{Error}";
    }
}
