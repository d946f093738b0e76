using KissEf.Commands;
using Microsoft.Extensions.Time.Testing;

namespace KissEf.Tests.Commands;

/// <summary>
/// <c>kissef backfill</c>'s progress when redirected (docs/operations.md): the first report at once, then at most a line
/// a second, each with rows read of the count, calls written, the rate since the start and the time left.
/// </summary>
public sealed class KissBackfillProgressLinesTests
{
    private static readonly Dictionary<string, long> None = [];

    [Fact]
    public void The_first_report_prints_at_once_then_at_most_one_line_a_second()
    {
        var time = new FakeTimeProvider();
        var output = new StringWriter { NewLine = "\n" };
        var lines = new KissBackfillProgressLines(output, "Customer", 20000, time);

        time.Advance(TimeSpan.FromSeconds(2));
        lines.Report(new KissBackfillProgress(500, 500, None));
        time.Advance(TimeSpan.FromMilliseconds(999));
        lines.Report(new KissBackfillProgress(1000, 990, None));
        time.Advance(TimeSpan.FromMilliseconds(1));
        lines.Report(new KissBackfillProgress(1500, 1490, None));
        lines.Report(new KissBackfillProgress(2000, 1990, None));
        time.Advance(TimeSpan.FromSeconds(4));
        lines.Report(new KissBackfillProgress(3000, 2990, None));

        Assert.Equal(
            """
            backfill Customer: 500 of 20000 rows read, 500 calls written, 250 rows/s, ETA 00:01:18
            backfill Customer: 1500 of 20000 rows read, 1490 calls written, 500 rows/s, ETA 00:00:37
            backfill Customer: 3000 of 20000 rows read, 2990 calls written, 428 rows/s, ETA 00:00:40

            """.ReplaceLineEndings("\n"),
            output.ToString());
    }

    [Fact]
    public void Without_a_row_count_a_line_has_no_ETA_and_before_any_time_has_passed_no_rate()
    {
        var time = new FakeTimeProvider();
        var output = new StringWriter { NewLine = "\n" };
        var lines = new KissBackfillProgressLines(output, "Order", null, time);

        lines.Report(new KissBackfillProgress(500, 0, None));
        time.Advance(TimeSpan.FromSeconds(10));
        lines.Report(new KissBackfillProgress(5000, 4000, None));

        Assert.Equal(
            """
            backfill Order: 500 rows read, 0 calls written
            backfill Order: 5000 rows read, 4000 calls written, 500 rows/s

            """.ReplaceLineEndings("\n"),
            output.ToString());
    }

    [Fact]
    public void The_time_left_counts_hours_past_a_day_and_is_zero_once_every_row_is_read()
    {
        var progress = new KissBackfillProgress(10, 10, None);

        Assert.Equal("10 of 1000000 rows read, 10 calls written, 1 rows/s, ETA 277:46:30", KissBackfillFigures.Format(progress, 1_000_000, TimeSpan.FromSeconds(10)));
        Assert.Equal("10 of 10 rows read, 10 calls written, 1 rows/s, ETA 00:00:00", KissBackfillFigures.Format(progress, 10, TimeSpan.FromSeconds(10)));
    }
}
