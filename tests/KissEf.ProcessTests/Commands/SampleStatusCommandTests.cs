using System.Text.RegularExpressions;

namespace KissEf.Tests.Commands;

/// <summary>
/// Issue 19, commands: <c>kissef status</c> run by the sample's own executable, as docs/operations.md gives it, against
/// its SQLite file: the table, the exit codes (1 failed, 2 usage), one error line, and help. The figures and the dead
/// letters on both providers are in <see cref="SampleOutboxCommandTests"/>.
/// </summary>
public sealed class SampleStatusCommandTests
{
    [Fact]
    public async Task Status_as_a_table_prints_the_totals_and_a_line_per_context_type()
    {
        await using var sample = SampleCommand.Sqlite();
        await sample.ExecuteAsync("""
            CREATE TABLE kiss_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, calls TEXT NOT NULL, call_count INTEGER NOT NULL,
                created_at INTEGER NOT NULL, attempts INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL, lease_owner TEXT NULL,
                lease_expires_at INTEGER NOT NULL, last_error TEXT NULL, dead_at INTEGER NULL);
            INSERT INTO kiss_outbox (calls, call_count, created_at, attempts, next_attempt_at, lease_expires_at, last_error, dead_at)
            VALUES ('c', 4, 0, 5, 0, 0, 'HTTP 400', 0);
            """);

        var status = await sample.RunAsync("kissef", "status");

        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Equal(
            """
            outbox               pending rows  pending calls  dead rows  dead calls  oldest pending
            all                             0              0          1           4  -
            context ShopContext             0              0          1           4  -

            """.ReplaceLineEndings("\n"),
            status.Text);
    }

    [Fact]
    public async Task An_unknown_command_exits_with_2_and_the_usage_line()
    {
        await using var sample = SampleCommand.Sqlite();

        var run = await sample.RunAsync("kissef", "nope");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("", run.Output);
        Assert.Equal(
            """
            kissef: Required command was not provided. Unrecognized command or argument 'nope'.
            Usage: kissef status|dead [--json] | retry (--group KEY|--all) | purge (--group KEY|--older-than 30d) | backfill ENTITY [--context NAME] [--export FILE] | forget PERSON [--json] [--verbose]. Run 'kissef --help' for the commands.

            """.ReplaceLineEndings(),
            run.Error);
    }

    [Fact]
    public async Task A_configuration_switch_after_the_command_is_the_apps_and_points_the_command_at_its_database()
    {
        // docs/operations.md: the host reads --Section:Key value from the same arguments; the command leaves it to it.
        await using var sample = SampleCommand.Sqlite();
        await sample.CreateDatabaseAsync();

        var own = await sample.RunAsync("kissef", "status", "--json");
        var other = await sample.RunAsync("kissef", "status", "--ConnectionStrings:Shop", "Data Source=other.db", "--json");
        var equals = await sample.RunAsync("kissef", "status", "--ConnectionStrings:Shop=Data Source=other.db");

        Assert.True(own.ExitCode == 0, own.ToString());
        foreach (var run in new[] { other, equals })
        {
            // other.db is a new, empty file: no outbox table in it, one line that says so.
            Assert.True(run.ExitCode == 1, run.ToString());
            Assert.StartsWith("kissef status: KissEf could not read the outbox's state: the outbox table 'kiss_outbox' of ShopContext cannot be read", run.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Status_has_help_that_names_its_options()
    {
        await using var sample = SampleCommand.Sqlite();

        var run = await sample.RunAsync("kissef", "status", "--help");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("kissef status [options]", run.Output, StringComparison.Ordinal);
        Assert.Contains("--json", run.Output, StringComparison.Ordinal);
        Assert.Contains("--verbose", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_without_the_outbox_table_exits_with_1_and_one_line_that_names_the_context_and_says_to_migrate()
    {
        await using var sample = SampleCommand.Sqlite();

        var run = await sample.RunAsync("kissef", "status");

        var line = run.AssertFailedInOneLine("status");
        Assert.Contains("dotnet ef database update", line, StringComparison.Ordinal);

        // --verbose adds the stack trace.
        var verbose = await sample.RunAsync("kissef", "status", "--verbose");
        Assert.True(verbose.ExitCode == 1, verbose.ToString());
        Assert.Matches(new Regex(@"^\s+at ", RegexOptions.Multiline), verbose.Error);
    }
}
