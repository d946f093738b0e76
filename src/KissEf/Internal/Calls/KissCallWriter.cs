using System.Globalization;
using System.Text;

namespace KissEf.Internal.Calls;

/// <summary>
/// THE writer of a call line (the format is in <see cref="KissCallLine"/>; <see cref="KissCallReader"/> reads it):
/// the map code builds every call through it, and <see cref="Protocol.KissDistinctTimes"/> moves a call's time
/// through <see cref="Retime"/>. Every name and value is RFC 3986 percent-encoded (<see cref="Uri.EscapeDataString(string)"/>:
/// space is <c>%20</c>, <c>+</c> and <c>@</c> are encoded). It writes into the caller's reused
/// <see cref="StringBuilder"/>, so a call costs one string, its line.
/// </summary>
internal struct KissCallWriter
{
    private const string PersonPrefix = "?" + KissCallLine.Person + "=";
    private const string NamePrefix = "&" + KissCallLine.Name + "=";
    private const string TimePrefix = "&" + KissCallLine.Time + "=";
    private const string UseTimeSuffix = "&" + KissCallLine.UseTime + "=1";

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

    private static void AppendEscaped(StringBuilder builder, string text)
    {
        // EscapeDataString allocates only when something needs escaping.
        builder.Append(Escape(text));
    }
}
