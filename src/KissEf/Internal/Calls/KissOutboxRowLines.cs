namespace KissEf.Internal.Calls;

/// <summary>
/// Walks the call lines of an outbox row for <see cref="KissOutboxRowReader"/>: each line as a span of the row and
/// as its range in it, without a string per line.
/// </summary>
internal ref struct KissOutboxRowLines
{
    private readonly ReadOnlySpan<char> _row;
    private int _next;

    public KissOutboxRowLines(ReadOnlySpan<char> row, int bodyStart)
    {
        _row = row;

        // An empty body holds no line; otherwise every '\n' ends one.
        _next = bodyStart == row.Length ? -1 : bodyStart;
    }

    /// <summary>Where the current line stands in the row.</summary>
    public Range Range { get; private set; }

    /// <summary>The current line.</summary>
    public readonly ReadOnlySpan<char> Current => _row[Range];

    public readonly KissOutboxRowLines GetEnumerator() => this;

    /// <summary>Moves to the next line; false after the last.</summary>
    public bool MoveNext()
    {
        if (_next < 0)
        {
            return false;
        }

        var end = _row[_next..].IndexOf(KissOutboxRowWriter.Separator);
        end = end < 0 ? _row.Length : _next + end;
        Range = new Range(_next, end);
        _next = end == _row.Length ? -1 : end + 1;
        return true;
    }
}
