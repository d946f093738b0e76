using KissEf.Commands;
using Microsoft.Extensions.Time.Testing;
using Spectre.Console.Testing;

namespace KissEf.Tests.Commands;

/// <summary>
/// <c>kissef backfill</c> at a terminal (docs/operations.md): a Spectre.Console progress bar under the figures of the
/// redirected lines, full at the end; and never on a writer that is not the console (a redirected or captured output).
/// </summary>
public sealed class KissBackfillBarTests
{
    private static readonly Dictionary<string, long> None = [];

    [Fact]
    public async Task A_terminal_gets_a_bar_with_the_figures_full_at_the_end()
    {
        using var console = new TestConsole();
        console.Profile.Width = 200;
        console.Profile.Capabilities.Ansi = true;
        console.Profile.Capabilities.Interactive = true;
        var time = new FakeTimeProvider();

        var report = await KissBackfillBar.RunAsync(console, "Customer", 20000, time, progress =>
        {
            time.Advance(TimeSpan.FromSeconds(7));
            progress.Report(new KissBackfillProgress(3000, 2990, None));
            return Task.FromResult(new KissBackfillReport(3000, 2990, None, false, DateTimeOffset.UnixEpoch));
        });

        Assert.Equal(3000, report.RowsRead);
        Assert.Contains("backfill Customer: 3000 of 20000 rows read, 2990 calls written, 428 rows/s, ETA 00:00:40", console.Output, StringComparison.Ordinal);
        Assert.Contains("100%", console.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_writer_that_is_not_the_console_gets_lines_not_a_bar()
    {
        using var output = new StringWriter();

        Assert.False(KissBackfillBar.Shows(output));
    }
}
