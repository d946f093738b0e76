using System.Globalization;
using System.Text.RegularExpressions;
using KissEf.Tests.Support;

namespace KissEf.Tests.Commands;

/// <summary>
/// Issue 19, <c>kissef backfill</c> run by the sample's own executable, as docs/operations.md gives it, on SQLite and on
/// PostgreSQL (the sample's <c>Database:Provider</c>) after the sample has run once: the exact import file and report of
/// an export, the exact calls an enqueue leaves in the outbox, a run killed mid-way and resumed with every alias once,
/// progress lines when redirected, and the one-line errors and help.
/// </summary>
public sealed class SampleBackfillKissefCommandTests
{
    private const string SignedUpSkipped =
        "backfill Customer: skipped 3 time(s): /e \"Signed Up\" of Customer (OnAdded()): it has no At(...): a backfill has no time of its own to give it";

    private static readonly Regex ProgressLine = new(@"^backfill Customer: \d+ of \d+ rows read, \d+ calls written, \d+ rows/s, ETA \d\d:\d\d:\d\d$", RegexOptions.Multiline);

    public static TheoryData<string> Providers => new() { "Sqlite", "PostgreSQL" };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Export_of_Customer_writes_each_legacy_alias_as_an_import_line_and_reports_the_sign_ups_left_out(string provider)
    {
        await using var shop = await ShopAsync(provider);

        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var run = await shop.RunAsync("kissef", "backfill", "Customer", "--export", "out.jsonl");
        var after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("", run.Error);
        var lines = await File.ReadAllLinesAsync(Path.Combine(shop.Folder, "out.jsonl"));
        var started = long.Parse(Regex.Match(lines[0], @"""_t"":(\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(started, before, after);
        Assert.Equal(
            [
                $$"""{"_p":"legacy-1001","_p2":"ann@example.com","_t":{{started}}}""",
                $$"""{"_p":"legacy-2002","_p2":"robert@example.com","_t":{{started}}}""",
            ],
            lines);
        Assert.Equal(
            $"backfill Customer: done: 3 rows read, 2 calls written to out.jsonl\n{SignedUpSkipped}",
            string.Join("\n", Report(run.Output)));
        Assert.Matches(ProgressLine, run.Output);

        // The app's own log of what was left out (warning 1005), on standard output as the sample logs.
        Assert.Contains("warn: KissEf.Backfill[1005] KissEf's backfill left out 3 time(s): /e \"Signed Up\"", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Enqueue_of_Customer_leaves_exactly_its_alias_calls_in_the_outbox_and_no_checkpoint(string provider)
    {
        await using var shop = await ShopAsync(provider);

        var run = await shop.RunAsync("kissef", "backfill", "Customer");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("", run.Error);
        Assert.Equal($"backfill Customer: done: 3 rows read, 2 calls written to the outbox\n{SignedUpSkipped}", string.Join("\n", Report(run.Output)));
        Assert.Matches(ProgressLine, run.Output);

        // Pending for the app's dispatcher (the command does not start it), each alias once, dated by the backfill's start.
        var calls = (await shop.CallsAsync()).Select(c => Regex.Replace(c, "_t=[0-9]+", "_t=T")).Order(StringComparer.Ordinal);
        Assert.Equal(
            ["a?_p=legacy-1001&_n=ann%40example.com&_t=T&_d=1", "a?_p=legacy-2002&_n=robert%40example.com&_t=T&_d=1"],
            calls);
        Assert.Equal(0L, await shop.ScalarAsync("SELECT COUNT(*) FROM kiss_outbox WHERE call_count = 0"));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_backfill_killed_mid_run_resumes_after_its_last_chunk_and_the_outbox_holds_each_alias_once(string provider)
    {
        const int added = 20_000;
        await using var shop = await ShopAsync(provider);
        await AddCustomersAsync(shop, added);

        // 2000 calls a second: about ten seconds for the 20,002 aliases, long enough to be killed after its first chunk.
        var fast = new Dictionary<string, string> { ["KissMetrics__BackfillCallsPerSecond"] = "2000" };
        using (var first = ServedProcess.Start(
                   ChildDotnet.RecordedAssembly("KissEfSampleAppPath"), ["kissef", "backfill", "Customer"], shop.Folder, shop.Environment(fast)))
        {
            await first.WaitForLineAsync(ProgressLine.IsMatch, "a progress line (a chunk written)", TimeSpan.FromSeconds(60));
            await first.KillAsync();
            Assert.DoesNotContain("done:", first.Output, StringComparison.Ordinal);
        }

        // Killed mid-run: whole chunks written, and the checkpoint that names the last one.
        var written = (await shop.CallsAsync()).Count;
        Assert.InRange(written, 1, added + 1);
        Assert.Equal(1L, await shop.ScalarAsync("SELECT COUNT(*) FROM kiss_outbox WHERE call_count = 0"));

        var second = await shop.RunAsync(fast, "kissef", "backfill", "Customer");

        Assert.True(second.ExitCode == 0, second.ToString());
        var done = Regex.Match(Report(second.Output)[0], @"^backfill Customer: done: (\d+) rows read, (\d+) calls written to the outbox \(resumed\)$");
        Assert.True(done.Success, second.ToString());
        Assert.InRange(long.Parse(done.Groups[1].Value, CultureInfo.InvariantCulture), 1, added + 2);

        // The row count is the whole table's, the rows read this run's: after a resume the ETA is an upper bound.
        Assert.Matches(new Regex($@"^backfill Customer: \d+ of {added + 3} rows read, ", RegexOptions.Multiline), second.Output);

        // Every customer's alias exactly once: none written twice by the two runs, none missing.
        var people = (await shop.CallsAsync()).Select(c => Regex.Match(c, "^a\\?_p=([^&]+)&").Groups[1].Value).Order(StringComparer.Ordinal);
        Assert.Equal(
            Enumerable.Range(1, added).Select(i => $"old-{i}").Append("legacy-1001").Append("legacy-2002").Order(StringComparer.Ordinal),
            people);
        Assert.Equal(0L, await shop.ScalarAsync("SELECT COUNT(*) FROM kiss_outbox WHERE call_count = 0"));
    }

    [Fact]
    public async Task An_unknown_entity_or_context_exits_with_1_and_one_line_that_says_what_there_is()
    {
        await using var sample = SampleCommand.Sqlite();
        var entity = await sample.RunAsync("kissef", "backfill", "Custmer");
        var context = await sample.RunAsync("kissef", "backfill", "Customer", "--context", "Shop");

        Assert.True(entity.ExitCode == 1, entity.ToString());
        Assert.Equal(
            "kissef backfill: 'Custmer' is not an entity type of ShopContext (Customer, Order): give one of these names, or the type's full name.\n",
            entity.Error.ReplaceLineEndings("\n"));
        Assert.Equal("", entity.Output);
        Assert.True(context.ExitCode == 1, context.ToString());
        Assert.Equal(
            "kissef backfill: no DbContext named 'Shop' is registered in the app's services: give --context one of ShopContext.\n",
            context.Error.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Backfill_has_help_that_names_its_argument_and_options_and_needs_the_entity()
    {
        await using var sample = SampleCommand.Sqlite();
        var help = await sample.RunAsync("kissef", "backfill", "--help");
        var none = await sample.RunAsync("kissef", "backfill");

        Assert.True(help.ExitCode == 0, help.ToString());
        Assert.Contains("kissef backfill <Entity> [options]", help.Output, StringComparison.Ordinal);
        Assert.Contains("--context <NAME>", help.Output, StringComparison.Ordinal);
        Assert.Contains("--export <FILE>", help.Output, StringComparison.Ordinal);
        Assert.Contains("--verbose", help.Output, StringComparison.Ordinal);
        Assert.True(none.ExitCode == 2, none.ToString());
        Assert.StartsWith("kissef: Required argument 'Entity' missing for command: 'backfill'.", none.Error, StringComparison.Ordinal);
    }

    /// <summary>The lines of the final report: from the "done:" line on, the command's own lines (not the app's logs).</summary>
    private static List<string> Report(string output)
        => [.. ServedProcess.Lines(output)
            .SkipWhile(l => !l.StartsWith("backfill Customer: done: ", StringComparison.Ordinal))
            .Where(l => l.StartsWith("backfill Customer: ", StringComparison.Ordinal))];

    /// <summary>
    /// The sample's shop after one run of the sample (its customers: Ann and Robert with a legacy id, Dan without), in a
    /// folder of its own, on SQLite or on a database of the private PostgreSQL server.
    /// </summary>
    private static async Task<SampleCommand> ShopAsync(string provider)
    {
        var shop = await SampleCommand.OnAsync(provider);
        await shop.CreateDatabaseAsync();
        Assert.Equal(0L, await shop.ScalarAsync("SELECT COUNT(*) FROM kiss_outbox"));
        return shop;
    }

    /// <summary>Customers c1..cN@example.com with the legacy ids old-1..old-N, written without tracking (straight SQL).</summary>
    private static Task AddCustomersAsync(SampleCommand shop, int count) => shop.ExecuteAsync(shop.Provider == "Sqlite"
        ? $"""
           WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})
           INSERT INTO "Customers" ("Email", "Plan", "IsVip", "LegacyId") SELECT 'c' || i || '@example.com', 'Free', 0, 'old-' || i FROM n;
           """
        : $"""
           INSERT INTO "Customers" ("Email", "Plan", "IsVip", "LegacyId")
           SELECT 'c' || i || '@example.com', 'Free', false, 'old-' || i FROM generate_series(1, {count}) AS i;
           """);
}
