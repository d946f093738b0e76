using System.Globalization;

namespace KissEf.Internal.Calls;

/// <summary>
/// THE reader of a call line, the format <see cref="KissCallWriter"/> writes (its words are in
/// <see cref="KissCallLine"/>): the kind, the path and query the sender requests, the person, name and time, and
/// every parameter. Used by the outbox and queue dispatchers, <c>KissMetrics</c> (the kind tag), <see cref="KissCall"/>
/// (descriptions for logs), <c>KissDistinctTimes</c>, <c>KissHttpSender</c> (the URL or form body),
/// <c>KissImportLines</c> (the import file) and KissEf.Testing's <c>KissCallDecoder</c>. It reads spans of the
/// line, so the drain's hot path allocates nothing; only <see cref="Unescape(ReadOnlySpan{char})"/> and the
/// decoded <see cref="Person"/> and <see cref="Name"/> make strings.
/// </summary>
internal readonly ref struct KissCallReader
{
    public KissCallReader(ReadOnlySpan<char> line) => Line = line;

    /// <summary>The whole line: the path and the query of the call's URL, relative to the endpoint.</summary>
    public ReadOnlySpan<char> Line { get; }

    /// <summary>The kind of call; null when the line does not start with a known path letter.</summary>
    public KissCallKind? Kind => KindOf(Line);

    /// <summary>The call's path (its letter), before the <c>?</c>.</summary>
    public ReadOnlySpan<char> Path => Line.IndexOf('?') is var query and >= 0 ? Line[..query] : Line;

    /// <summary>The percent-encoded parameters, after the <c>?</c>: the query of a GET, the body of a POST.</summary>
    public ReadOnlySpan<char> Query => Line.IndexOf('?') is var query and >= 0 ? Line[(query + 1)..] : [];

    /// <summary>Every <c>name=value</c> of the query, in order, still percent-encoded.</summary>
    public KissCallParameters Parameters => new(Query);

    /// <summary>The person (<c>_p</c>), decoded; null without one.</summary>
    public string? Person => TryGet(KissCallLine.Person, out var value) ? Unescape(value) : null;

    /// <summary>The event name, or an alias's other identity (<c>_n</c>), decoded; null without one.</summary>
    public string? Name => TryGet(KissCallLine.Name, out var value) ? Unescape(value) : null;

    /// <summary>The call's time (<c>_t</c>) in Unix seconds; null without one.</summary>
    public long? Time => TryGet(KissCallLine.Time, out var value)
        && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : null;

    /// <summary>The path letter of <paramref name="line"/>; '\0' for an empty line.</summary>
    public static char Letter(ReadOnlySpan<char> line) => line.IsEmpty ? '\0' : line[0];

    /// <summary>The kind of the call <paramref name="line"/>; null when it does not start with a known path letter.</summary>
    public static KissCallKind? KindOf(ReadOnlySpan<char> line) => KissCallLine.Kind(Letter(line));

    /// <summary>A name or value as it was before percent-encoding.</summary>
    public static string Unescape(ReadOnlySpan<char> escaped) => Uri.UnescapeDataString(escaped);

    /// <summary>
    /// Decodes <paramref name="escaped"/> into <paramref name="destination"/> (at least as long: decoding never
    /// lengthens) and returns its length, without a string.
    /// </summary>
    public static int Unescape(ReadOnlySpan<char> escaped, Span<char> destination)
        => Uri.TryUnescapeDataString(escaped, destination, out var written)
            ? written
            : throw new ArgumentException("The destination is shorter than the text.", nameof(destination));

    /// <summary>The first value of the parameter <paramref name="name"/> (as written: names are not encoded twice), still percent-encoded.</summary>
    public bool TryGet(ReadOnlySpan<char> name, out ReadOnlySpan<char> value)
    {
        var parameters = Parameters;
        while (parameters.MoveNext())
        {
            if (parameters.Name.SequenceEqual(name))
            {
                value = parameters.Value;
                return true;
            }
        }

        value = default;
        return false;
    }
}
