using System.Globalization;
using System.Text;

namespace KissEf.Internal.Calls;

/// <summary>
/// THE writer of a call line (the format is in <see cref="KissCallLine"/>; <see cref="KissCallReader"/> reads it):
/// the map code builds every call through it, and <see cref="Protocol.KissDistinctTimes"/> moves a call's time
/// through <see cref="Retime"/>. Every name and value is RFC 3986 percent-encoded (<see cref="Uri.EscapeDataString(string)"/>:
/// space is <c>%20</c>, <c>+</c> and <c>@</c> are encoded). It writes into the caller's reused
/// <see cref="StringBuilder"/> (a save's: this thread's, see <see cref="Start(KissCallKind, string)"/>), and escapes
/// straight into it, so a call costs one string, its line.
/// </summary>
internal struct KissCallWriter
{
    private const string PersonPrefix = "?" + KissCallLine.Person + "=";
    private const string NamePrefix = "&" + KissCallLine.Name + "=";
    private const string TimePrefix = "&" + KissCallLine.Time + "=";
    private const string UseTimeSuffix = "&" + KissCallLine.UseTime + "=1";

    // The longest text escaped on the stack (a character escapes to at most 9: three UTF-8 bytes as %XX); longer ones
    // are escaped into a string first, as before.
    private const int MaxStackEscape = 128;

    // A builder that grew past this (a long value) is not kept by its thread.
    private const int MaxCachedCapacity = 4096;

    // This thread's builder between two calls written with Start(kind, person) and Finish: a save builds its calls one
    // at a time, on one thread, so a builder per thread serves every save (no 256-character buffer per save).
    [ThreadStatic]
    private static StringBuilder? _cached;

    private readonly StringBuilder _builder;

    private KissCallWriter(StringBuilder builder) => _builder = builder;

    /// <summary>Starts a call of <paramref name="kind"/> for <paramref name="person"/>.</summary>
    public static KissCallWriter Start(StringBuilder builder, KissCallKind kind, string person)
    {
        builder.Clear();
        builder.Append(KissCallLine.Letter(kind));
        builder.Append(PersonPrefix);
        AppendEscaped(builder, person);
        return new KissCallWriter(builder);
    }

    /// <summary>
    /// Starts a call of <paramref name="kind"/> for <paramref name="person"/> in this thread's builder, taken out until
    /// <see cref="Finish"/> gives it back: a call written meanwhile on the thread (from a map expression) takes a new
    /// one, and a call left unfinished (an expression threw) costs its builder only.
    /// </summary>
    public static KissCallWriter Start(KissCallKind kind, string person)
    {
        var builder = _cached ?? new StringBuilder(256);
        _cached = null;
        return Start(builder, kind, person);
    }

    /// <summary>The finished line of a call begun with <see cref="Start(KissCallKind, string)"/>, whose builder
    /// goes back to the thread.</summary>
    public readonly string Finish()
    {
        var line = _builder.ToString();
        Cancel();
        return line;
    }

    /// <summary>Gives the builder of a call begun with <see cref="Start(KissCallKind, string)"/> back to the thread
    /// without a line (a call not sent after all).</summary>
    public readonly void Cancel()
    {
        if (_builder.Capacity <= MaxCachedCapacity)
        {
            _cached = _builder;
        }
    }

    /// <summary>Appends <c>_n</c>: the event name, or the other identity of an alias.</summary>
    public readonly void Name(string name)
    {
        _builder.Append(NamePrefix);
        AppendEscaped(_builder, name);
    }

    /// <summary>Appends <c>_n</c>, already escaped with <see cref="Escape"/> (a map's event name, escaped once).</summary>
    public readonly void EscapedName(string escapedName) => _builder.Append(NamePrefix).Append(escapedName);

    /// <summary>Appends <c>_t</c> and <c>_d=1</c>, so that the vendor dates the call by the change and
    /// counts its retries once.</summary>
    public readonly void Time(DateTimeOffset time)
    {
        _builder.Append(CultureInfo.InvariantCulture, $"{TimePrefix}{time.ToUnixTimeSeconds()}{UseTimeSuffix}");
    }

    /// <summary>Appends a property whose name is already escaped with <see cref="Escape"/> (a map's, escaped once).</summary>
    public readonly void EscapedProperty(string escapedName, string value)
    {
        _builder.Append('&').Append(escapedName).Append('=');
        AppendEscaped(_builder, value);
    }

    /// <summary>A name or value as the request carries it (RFC 3986 unreserved characters kept, the rest %-encoded).</summary>
    public static string Escape(string text) => Uri.EscapeDataString(text);

    /// <summary>
    /// <paramref name="line"/> with its <c>_t</c> moved from <paramref name="from"/> to <paramref name="to"/> (the
    /// vendor's de-duplication: a call whose key is taken moves to the next free second). <c>_t</c> is written once,
    /// followed by <c>_d</c>, so it is found as <c>&amp;_t=N&amp;</c>.
    /// </summary>
    public static string Retime(string line, long from, long to)
    {
        var old = TimePrefix + from.ToString(CultureInfo.InvariantCulture) + "&";
        var at = line.IndexOf(old, StringComparison.Ordinal);
        return string.Concat(line.AsSpan(0, at), TimePrefix, to.ToString(CultureInfo.InvariantCulture), line.AsSpan(at + old.Length - 1));
    }

    /// <summary>The finished line.</summary>
    public override readonly string ToString() => _builder.ToString();

    /// <summary>Appends <paramref name="text"/> as <see cref="Escape"/> would give it, without the escaped string: a
    /// short text is escaped on the stack (one scan finds what needs escaping), a long one into a string, as before.</summary>
    private static void AppendEscaped(StringBuilder builder, string text)
    {
        if (text.Length <= MaxStackEscape)
        {
            Span<char> escaped = stackalloc char[text.Length * 9];
            if (Uri.TryEscapeDataString(text, escaped, out var written))
            {
                builder.Append(escaped[..written]);
                return;
            }
        }

        builder.Append(Escape(text));
    }
}
