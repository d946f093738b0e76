using System.Globalization;
using System.Text;

namespace KissEf.Internal.Calls;

/// <summary>
/// Builds the encoded line of one call. Every name and value is RFC 3986 percent-encoded
/// (<see cref="Uri.EscapeDataString(string)"/>: space is <c>%20</c>, <c>+</c> and <c>@</c> are encoded).
/// </summary>
internal struct KissCallWriter
{
    private readonly StringBuilder _builder;

    private KissCallWriter(StringBuilder builder) => _builder = builder;

    /// <summary>Starts a call of <paramref name="kind"/> for <paramref name="person"/>.</summary>
    public static KissCallWriter Start(StringBuilder builder, KissCallKind kind, string person)
    {
        builder.Clear();
        builder.Append(kind switch
        {
            KissCallKind.Event => 'e',
            KissCallKind.Set => 's',
            _ => 'a',
        });
        builder.Append("?_p=");
        AppendEscaped(builder, person);
        return new KissCallWriter(builder);
    }

    /// <summary>Appends <c>_n</c>: the event name, or the other identity of an alias.</summary>
    public readonly void Name(string name)
    {
        _builder.Append("&_n=");
        AppendEscaped(_builder, name);
    }

    /// <summary>Appends <c>_n</c>, already escaped with <see cref="Escape"/> (a map's event name, escaped once).</summary>
    public readonly void EscapedName(string escapedName) => _builder.Append("&_n=").Append(escapedName);

    /// <summary>Appends <c>_t</c> and <c>_d=1</c>, so that the vendor dates the call by the change and
    /// counts its retries once.</summary>
    public readonly void Time(DateTimeOffset time)
    {
        _builder.Append(CultureInfo.InvariantCulture, $"&_t={time.ToUnixTimeSeconds()}&_d=1");
    }

    /// <summary>Appends a property whose name is already escaped with <see cref="Escape"/> (a map's, escaped once).</summary>
    public readonly void EscapedProperty(string escapedName, string value)
    {
        _builder.Append('&').Append(escapedName).Append('=');
        AppendEscaped(_builder, value);
    }

    /// <summary>A name or value as the request carries it (RFC 3986 unreserved characters kept, the rest %-encoded).</summary>
    public static string Escape(string text) => Uri.EscapeDataString(text);

    /// <summary>The finished line.</summary>
    public override readonly string ToString() => _builder.ToString();

    private static void AppendEscaped(StringBuilder builder, string text)
    {
        // EscapeDataString allocates only when something needs escaping.
        builder.Append(Escape(text));
    }
}
