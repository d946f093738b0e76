using System.Diagnostics;

namespace KissEf.Internal.Calls;

/// <summary>
/// THE reader of an outbox row's text, the format <see cref="KissOutboxRowWriter"/> writes: the header line (the
/// trace, and with tenants the tenant) if the row has one (rows of earlier versions, or of a save with no Activity, have none), then the call lines.
/// The outbox dispatcher takes the trace for its span's link and the lines as ranges it sends from, never copied
/// out; <c>KissMetrics</c> counts a dead row's calls by kind through it, so no layer above Calls knows how a row is
/// laid out.
/// </summary>
internal readonly struct KissOutboxRowReader
{
    private readonly string _row;

    public KissOutboxRowReader(string row)
    {
        _row = row;
        BodyStart = 0;
        if (row.Length > 0 && row[0] == KissTraceHeader.Mark)
        {
            var end = row.IndexOf(KissOutboxRowWriter.Separator, StringComparison.Ordinal);
            BodyStart = end < 0 ? row.Length : end + 1;
        }
    }

    /// <summary>Where the calls start: after the header line, 0 without one.</summary>
    public int BodyStart { get; }

    /// <summary>The header line without its '\n'; empty without one.</summary>
    public ReadOnlySpan<char> Header => _row.AsSpan(0, BodyStart).TrimEnd(KissOutboxRowWriter.Separator);

    /// <summary>The trace context of the save that wrote the row; default for a row without a header.</summary>
    public ActivityContext Trace => BodyStart > 0 ? KissTraceHeader.Parse(Header) : default;

    /// <summary>With <c>UseTenants</c>, the tenant of the save that wrote the row (<see cref="KissTenantHeader"/>); null for none.</summary>
    public string? Tenant => BodyStart > 0 ? KissTenantHeader.Parse(Header) : null;

    /// <summary>How many call lines the row holds.</summary>
    public int Count => BodyStart == _row.Length ? 0 : _row.AsSpan(BodyStart).Count(KissOutboxRowWriter.Separator) + 1;

    /// <summary>Where each call line stands in the row's text, so it is sent from there.</summary>
    public Range[] LineRanges()
    {
        var ranges = new Range[Count];
        var lines = GetEnumerator();
        for (var i = 0; lines.MoveNext(); i++)
        {
            ranges[i] = lines.Range;
        }

        return ranges;
    }

    /// <summary>The call lines, as spans of the row (no string per line).</summary>
    public KissOutboxRowLines GetEnumerator() => new(_row, BodyStart);
}
