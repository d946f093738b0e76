namespace KissEf.Commands;

/// <summary>
/// The progress of <c>kissef backfill</c> when its output is redirected (a log, a CI job): plain lines
/// <c>backfill Customer: 3000 of 20000 rows read, …</c>, the first report at once, then at most one a second. The
/// backfill reports once a chunk, so there is also at most one line a chunk. The clock is injected, so that the
/// throttle is tested without waiting.
/// </summary>
internal sealed class KissBackfillProgressLines(TextWriter output, string entity, long? total, TimeProvider time) : IProgress<KissBackfillProgress>
{
    /// <summary>The least time between two lines.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly long _start = time.GetTimestamp();
    private long? _last;

    public void Report(KissBackfillProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var now = time.GetTimestamp();
        if (_last is { } last && time.GetElapsedTime(last, now) < Interval)
        {
            return;
        }

        _last = now;
        output.WriteLine($"backfill {entity}: {KissBackfillFigures.Format(value, total, time.GetElapsedTime(_start, now))}");
        output.Flush();
    }
}
