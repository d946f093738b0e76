using System.Text.Json;
using System.Text.RegularExpressions;

namespace KissEf.Tests.Commands;

/// <summary>
/// Issue 19, "Done when": the sample's own executable run as a real process on SQLite and on PostgreSQL, its database
/// holding pending rows and dead rows of several failure kinds (refused with 400 and 413, a 503 retried until it was
/// given up, network errors to two hosts): the exact <c>kissef status --json</c> (totals and each context type),
/// <c>kissef dead --json</c> groups with keys stable across runs, <c>retry</c> and <c>purge</c> changing exactly the
/// rows they name (read back by SQL), the exit codes, and the app not started by a command.
/// </summary>
public sealed partial class SampleOutboxCommandTests
{
    private const string Insert = """
        INSERT INTO kiss_outbox (calls, call_count, created_at, attempts, next_attempt_at, lease_expires_at, last_error, dead_at)
        VALUES (@calls, @count, @created, @attempts, @due, 0, @error, @dead)
        """;

    private static readonly Dictionary<string, string> StartShown = new() { [SampleCommand.ShowStart] = "Information" };

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("PostgreSQL")]
    public async Task Status_gives_the_totals_and_each_context_type_without_starting_the_app(string provider)
    {
        await using var sample = await SampleCommand.OnAsync(provider);

        // The sample's own run makes its database, and (the controls) says that its host started and its dispatcher
        // delivered (dry run: each call's URL logged).
        var scenario = await sample.RunAsync(StartShown);
        Assert.True(scenario.ExitCode == 0, scenario.ToString());
        Assert.Contains("Application started", scenario.Output, StringComparison.Ordinal);
        Assert.Contains("KissEf dry run: ", scenario.Output, StringComparison.Ordinal);

        // Two rows due now, never tried: a started host would send them (its dispatcher drains due rows at start and
        // again at stop) and delete them.
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await InsertAsync(sample, Events("Signed Up", 3), now - 3_600_000, now, error: null, dead: null);
        await InsertAsync(sample, Events("Signed Up", 2), now, now, error: null, dead: null);
        await InsertAsync(sample, Events("Signed Up", 4), now, now, "HTTP 400 (BadRequest)", now);

        var status = await sample.RunAsync(StartShown, "kissef", "status", "--json");

        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Equal("", status.Error);
        var age = JsonDocument.Parse(status.Output).RootElement.GetProperty("oldestPendingAgeSeconds").GetInt64();
        Assert.InRange(age, 3600, 3600 + 600);
        Assert.Equal(
            $$"""
            {
              "pendingRows": 2,
              "pendingCalls": 5,
              "deadRows": 1,
              "deadCalls": 4,
              "oldestPendingAgeSeconds": {{age}},
              "contexts": {
                "ShopContext": {
                  "pendingRows": 2,
                  "pendingCalls": 5,
                  "deadRows": 1,
                  "deadCalls": 4,
                  "oldestPendingAgeSeconds": {{age}},
                  "contexts": null,
                  "tenants": null
                }
              },
              "tenants": null
            }

            """.ReplaceLineEndings("\n"),
            status.Text);

        var table = await sample.RunAsync("kissef", "status");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Equal(
            """
            outbox               pending rows  pending calls  dead rows  dead calls  oldest pending
            all                             2              5          1           4  01:hh:mm
            context ShopContext             2              5          1           4  01:hh:mm

            """.ReplaceLineEndings("\n"),
            OldestAge().Replace(table.Text, "01:hh:mm"));

        // Not started: no start line, no call sent, and the due rows left unclaimed and untried for the app's dispatcher.
        Assert.DoesNotContain("Application started", status.Output + status.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("KissEf dry run", status.Output + table.Output, StringComparison.Ordinal);
        Assert.Equal(2L, await sample.ScalarAsync("SELECT COUNT(*) FROM kiss_outbox WHERE dead_at IS NULL AND attempts = 0 AND lease_owner IS NULL AND lease_expires_at = 0"));
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("PostgreSQL")]
    public async Task Dead_groups_have_stable_keys_and_retry_and_purge_change_exactly_the_rows_they_name(string provider)
    {
        await using var sample = await SampleCommand.OnAsync(provider);
        await sample.CreateDatabaseAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await InsertAsync(sample, Events("Signed Up", 2), 1, 1, "HTTP 400 (BadRequest)", 1_700_000_000_000);
        await InsertAsync(sample, Events("Signed Up", 2), 1, 1, "HTTP 400 (BadRequest)", 1_700_000_060_000);
        await InsertAsync(sample, Events("Viewed", 1), 1, 1, "network error (ConnectionError): Connection refused (10.0.0.7:443)", 1_700_000_120_000);
        await InsertAsync(sample, Events("Viewed", 1), 1, 1, "network error (ConnectionError): Connection refused (trk.example.net:8443)", 1_700_000_180_000);
        await InsertAsync(sample, Events("Ordered", 2) + "\n" + Set(), 1, 1, "HTTP 503 (ServiceUnavailable)", 1_700_000_240_000);
        await InsertAsync(sample, Set(), 1, 1, "HTTP 413 (RequestEntityTooLarge)", 1_700_000_300_000);
        await InsertAsync(sample, Events("Signed Up", 1), now, now + 3_600_000, error: null, dead: null);

        var dead = await sample.RunAsync("kissef", "dead", "--json");
        var again = await sample.RunAsync("kissef", "dead", "--json");

        Assert.True(dead.ExitCode == 0, dead.ToString());
        Assert.Equal(dead.Output, again.Output);
        var keys = JsonDocument.Parse(dead.Output).RootElement.EnumerateArray().Select(g => g.GetProperty("key").GetString()!).ToArray();
        Assert.All(keys, k => Assert.Matches("^[0-9a-f]{12}$", k));
        Assert.Equal(4, keys.Distinct().Count());
        Assert.Equal(
            $$"""
            [
              {
                "key": "{{keys[0]}}",
                "error": "HTTP 400 (BadRequest)",
                "rows": 2,
                "calls": 4,
                "firstFailedAt": "2023-11-14T22:13:20+00:00",
                "lastFailedAt": "2023-11-14T22:14:20+00:00",
                "kinds": {
                  "/e Signed Up": 4
                }
              },
              {
                "key": "{{keys[1]}}",
                "error": "HTTP 503 (ServiceUnavailable)",
                "rows": 1,
                "calls": 3,
                "firstFailedAt": "2023-11-14T22:17:20+00:00",
                "lastFailedAt": "2023-11-14T22:17:20+00:00",
                "kinds": {
                  "/e Ordered": 2,
                  "/s": 1
                }
              },
              {
                "key": "{{keys[2]}}",
                "error": "network error (ConnectionError): Connection refused (<host>)",
                "rows": 2,
                "calls": 2,
                "firstFailedAt": "2023-11-14T22:15:20+00:00",
                "lastFailedAt": "2023-11-14T22:16:20+00:00",
                "kinds": {
                  "/e Viewed": 2
                }
              },
              {
                "key": "{{keys[3]}}",
                "error": "HTTP 413 (RequestEntityTooLarge)",
                "rows": 1,
                "calls": 1,
                "firstFailedAt": "2023-11-14T22:18:20+00:00",
                "lastFailedAt": "2023-11-14T22:18:20+00:00",
                "kinds": {
                  "/s": 1
                }
              }
            ]

            """.ReplaceLineEndings("\n"),
            dead.Text);

        // retry --group: the 400 rows only, pending again, due now, untried.
        var retry = await sample.RunAsync("kissef", "retry", "--group", keys[0]);
        Assert.True(retry.ExitCode == 0, retry.ToString());
        Assert.Equal($"retried 2 row(s) of group {keys[0]}\n", retry.Text);
        Assert.Equal(
            ["HTTP 400 (BadRequest)|pending", "HTTP 400 (BadRequest)|pending", "HTTP 413 (RequestEntityTooLarge)|dead", "HTTP 503 (ServiceUnavailable)|dead", "network error|dead", "network error|dead", "|pending"],
            await RowsAsync(sample));
        Assert.Equal(2L, await sample.ScalarAsync("SELECT COUNT(*) FROM kiss_outbox WHERE last_error LIKE 'HTTP 400%' AND attempts = 0 AND lease_owner IS NULL"));

        // purge --group: the network errors to both hosts, and nothing else.
        var purge = await sample.RunAsync("kissef", "purge", "--group", keys[2]);
        Assert.True(purge.ExitCode == 0, purge.ToString());
        Assert.Equal($"purged 2 row(s) of group {keys[2]}\n", purge.Text);
        Assert.Equal(
            ["HTTP 400 (BadRequest)|pending", "HTTP 400 (BadRequest)|pending", "HTTP 413 (RequestEntityTooLarge)|dead", "HTTP 503 (ServiceUnavailable)|dead", "|pending"],
            await RowsAsync(sample));

        // purge --older-than: the 503 row dead 60 days, not the 413 row dead a day.
        await sample.ExecuteAsync("UPDATE kiss_outbox SET dead_at = @at WHERE last_error LIKE 'HTTP 503%'", ("at", now - (long)TimeSpan.FromDays(60).TotalMilliseconds));
        await sample.ExecuteAsync("UPDATE kiss_outbox SET dead_at = @at WHERE last_error LIKE 'HTTP 413%'", ("at", now - (long)TimeSpan.FromDays(1).TotalMilliseconds));
        var old = await sample.RunAsync("kissef", "purge", "--older-than", "30d");
        Assert.True(old.ExitCode == 0, old.ToString());
        Assert.Equal("purged 1 row(s)\n", old.Text);
        Assert.Equal(
            ["HTTP 400 (BadRequest)|pending", "HTTP 400 (BadRequest)|pending", "HTTP 413 (RequestEntityTooLarge)|dead", "|pending"],
            await RowsAsync(sample));

        // retry --all: what is left dead.
        var all = await sample.RunAsync("kissef", "retry", "--all");
        Assert.True(all.ExitCode == 0, all.ToString());
        Assert.Equal("retried 1 row(s)\n", all.Text);
        Assert.Equal(0L, await sample.ScalarAsync("SELECT COUNT(*) FROM kiss_outbox WHERE dead_at IS NOT NULL"));
        Assert.Equal("no dead rows\n", (await sample.RunAsync("kissef", "dead")).Text);

        // Neither choice, or both, is a usage error: nothing changed, the usage line on standard error.
        foreach (var args in (string[][])[["kissef", "retry"], ["kissef", "purge", "--group", keys[3], "--older-than", "30d"]])
        {
            var usage = await sample.RunAsync(args);
            Assert.True(usage.ExitCode == 2, usage.ToString());
            Assert.Equal("", usage.Output);
            Assert.Contains("Usage: kissef ", usage.Error, StringComparison.Ordinal);
        }

        Assert.Equal(4L, await sample.ScalarAsync("SELECT COUNT(*) FROM kiss_outbox WHERE dead_at IS NULL"));
    }

    [Fact]
    public async Task A_PostgreSQL_server_that_cannot_be_reached_exits_with_1_and_one_line_without_the_password()
    {
        const string password = "Pa55-word-never-shown";
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var sample = SampleCommand.Postgres($"Host=127.0.0.1;Port={port};Username=shop;Password={password};Database=shop;Timeout=5");

        var run = await sample.RunAsync("kissef", "status");

        run.AssertFailedInOneLine("status");
        Assert.DoesNotContain(password, run.Output + run.Error, StringComparison.Ordinal);
    }

    private static async Task InsertAsync(SampleCommand sample, string calls, long created, long due, string? error, long? dead)
        => await sample.ExecuteAsync(
            Insert,
            ("calls", calls),
            ("count", calls.Split('\n').Length),
            ("created", created),
            ("attempts", dead is null ? 0 : 5),
            ("due", due),
            ("error", (object?)error ?? DBNull.Value),
            ("dead", (object?)dead ?? DBNull.Value));

    /// <summary>Each row as "error|state", the network errors without their host, in order.</summary>
    private static async Task<List<string>> RowsAsync(SampleCommand sample)
    {
        var rows = new List<string>();
        foreach (var state in (string[])["pending", "dead"])
        {
            foreach (var error in (string[])["HTTP 400 (BadRequest)", "HTTP 413 (RequestEntityTooLarge)", "HTTP 503 (ServiceUnavailable)", "network error%", ""])
            {
                var where = error.Length == 0 ? "last_error IS NULL" : $"last_error LIKE '{error}'";
                var count = await sample.ScalarAsync($"SELECT COUNT(*) FROM kiss_outbox WHERE {where} AND dead_at IS {(state == "dead" ? "NOT " : "")}NULL");
                rows.AddRange(Enumerable.Repeat($"{error.TrimEnd('%')}|{state}", (int)count));
            }
        }

        return [.. rows.Order(StringComparer.Ordinal)];
    }

    private static string Events(string name, int count)
        => string.Join("\n", Enumerable.Range(0, count).Select(i => $"e?_n={Uri.EscapeDataString(name)}&_p=ann{i}%40example.com&_t=1700000000"));

    private static string Set() => "s?_p=ann%40example.com&plan=pro&_t=1700000000";

    /// <summary>The oldest pending age, about an hour: "01:" then minutes and seconds.</summary>
    [GeneratedRegex(@"01:\d\d:\d\d")]
    private static partial Regex OldestAge();
}
