using System.Globalization;

namespace KissEf.Commands;

/// <summary>
/// The figures of a running <c>kissef backfill</c> as one text, the same in a redirected progress line and beside the
/// terminal's progress bar: rows read (of the row count, when known), calls written, the rate in rows a second since
/// the start and, with a row count, the time left at that rate. Documented in docs/operations.md; keep it stable.
/// </summary>
internal static class KissBackfillFigures
{
    /// <summary>
    /// <c>3000 of 20000 rows read, 2990 calls written, 412 rows/s, ETA 00:00:41</c>; without a row count
    /// <c>3000 rows read, 2990 calls written, 412 rows/s</c>; no rate (nor ETA) before any time has passed.
    /// </summary>
    public static string Format(KissBackfillProgress progress, long? total, TimeSpan elapsed)
    {
        var text = total is { } rows
            ? string.Create(CultureInfo.InvariantCulture, $"{progress.RowsRead} of {rows} rows read, {progress.CallsWritten} calls written")
            : string.Create(CultureInfo.InvariantCulture, $"{progress.RowsRead} rows read, {progress.CallsWritten} calls written");
        if (elapsed <= TimeSpan.Zero)
        {
            return text;
        }

        var rate = progress.RowsRead / elapsed.TotalSeconds;
        text += string.Create(CultureInfo.InvariantCulture, $", {(long)rate} rows/s");
        if (total is { } all && rate > 0)
        {
            var left = TimeSpan.FromSeconds(Math.Ceiling(Math.Max(all - progress.RowsRead, 0) / rate));
            text += string.Create(CultureInfo.InvariantCulture, $", ETA {(long)left.TotalHours:00}:{left.Minutes:00}:{left.Seconds:00}");
        }

        return text;
    }
}
