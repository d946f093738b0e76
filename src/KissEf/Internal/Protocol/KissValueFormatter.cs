using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace KissEf.Internal.Protocol;

/// <summary>
/// Turns a mapped value into the text that is sent (invariant culture, ISO 8601 UTC, true/false), or refuses
/// it with the rule it breaks: a value is sent exactly as its text, or not at all.
/// </summary>
internal static class KissValueFormatter
{
    private const string Iso8601Utc = "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'";

    // Whether a type's ToString() says something of its own, decided once per type.
    private static readonly ConcurrentDictionary<Type, string?> OpaqueTypes = new();

    /// <summary>
    /// Formats <paramref name="value"/>. True with <paramref name="text"/> null for null (a null property is
    /// left out); false with the broken <paramref name="rule"/> for a value that has no exact text to send.
    /// </summary>
    public static bool TryFormat(object? value, out string? text, out string? rule)
    {
        if (value is null)
        {
            text = null;
            rule = null;
            return true;
        }

        (text, rule) = FormatCore(value);
        rule ??= text is null ? $"the value's ToString() returned null ({value.GetType().Name})" : CheckText(text);
        if (rule is not null)
        {
            text = null;
            return false;
        }

        return true;
    }

    /// <summary>Formats an identity (<c>_p</c>, or a side of an alias); returns why it cannot be sent, or null.</summary>
    public static string? FormatIdentity(object? value, out string? text)
        => TryFormat(value, out text, out var rule) ? KissNameRules.CheckIdentity(text) : rule;

    /// <summary>Why <paramref name="text"/> cannot be sent exactly, or null when it can.</summary>
    public static string? CheckText(string text)
    {
        var span = text.AsSpan();

        // Most texts hold neither: one vectorized scan each decides.
        if (span.IndexOfAnyInRange('\uD800', '\uDFFF') >= 0)
        {
            for (var i = 0; i < span.Length; i++)
            {
                if (char.IsHighSurrogate(span[i]) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
                {
                    i++;
                }
                else if (char.IsSurrogate(span[i]))
                {
                    return $"the value holds a lone UTF-16 surrogate at index {i.ToString(CultureInfo.InvariantCulture)}, which has no UTF-8 form (it would arrive as U+FFFD)";
                }
            }
        }

        return span.Contains('\0')
            ? "the value holds U+0000 (NUL), at which servers may cut the text"
            : null;
    }

    /// <summary>Formats <paramref name="value"/>, or returns null for null and for a value <see cref="TryFormat"/> refuses.</summary>
    public static string? Format(object? value) => TryFormat(value, out var text, out _) ? text : null;

    /// <summary>Reads an event time from a mapped value.</summary>
    public static DateTimeOffset? ToTime(object? value) => value switch
    {
        DateTimeOffset o => o,

        // ToUniversalTime clamps at MinValue/MaxValue where a local offset would throw.
        DateTime d => new DateTimeOffset(d.Kind == DateTimeKind.Local ? d.ToUniversalTime() : DateTime.SpecifyKind(d, DateTimeKind.Utc), TimeSpan.Zero),
        _ => null,
    };

    private static (string? Text, string? Rule) FormatCore(object value) => value switch
    {
        string s => (s, null),
        bool b => (b ? "true" : "false", null),
        double d when !double.IsFinite(d) => (null, NotFinite),
        float f when !float.IsFinite(f) => (null, NotFinite),
        Half h when !Half.IsFinite(h) => (null, NotFinite),

        // Unspecified is what most providers read back: treat it as UTC rather than guess a zone.
        DateTime d => ((d.Kind == DateTimeKind.Local ? d.ToUniversalTime() : d).ToString(Iso8601Utc, CultureInfo.InvariantCulture), null),
        DateTimeOffset o => (o.UtcDateTime.ToString(Iso8601Utc, CultureInfo.InvariantCulture), null),
        DateOnly d => (d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), null),
        TimeOnly t => (t.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture), null),
        Enum e => (e.ToString(), null),
        byte[] or Memory<byte> or ReadOnlyMemory<byte> =>
            (null, "the value is binary (byte[]); map a text of it, e.g. Convert.ToBase64String(...) or Convert.ToHexString(...)"),
        IEnumerable => (null, $"the value is a collection ({Describe(value.GetType())}); the vendor takes one text or number per property"),
        ITuple => (null, $"the value is a tuple ({Describe(value.GetType())}); map each part as a property of its own"),
        IFormattable f => (f.ToString(null, CultureInfo.InvariantCulture), null),
        _ => OpaqueRule(value.GetType()) is { } rule ? (null, rule) : (value.ToString(), null),
    };

    private const string NotFinite = "the value is NaN or an infinity, not a finite number (the vendor would store it as text)";

    /// <summary>Why values of <paramref name="type"/> have no text of their own, or null when their ToString() is written by hand.</summary>
    private static string? OpaqueRule(Type type) => OpaqueTypes.GetOrAdd(type, static t =>
    {
        var toString = t.GetMethod(nameof(ToString), BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes);
        if (toString is null || toString.DeclaringType == typeof(object) || toString.DeclaringType == typeof(ValueType))
        {
            return $"the value is a {Describe(t)}, which has no text of its own (its ToString() is the type's name); map one of its members";
        }

        // Records and anonymous types print their members as "X { A = 1 }": structure, not a value.
        if (toString.IsDefined(typeof(CompilerGeneratedAttribute)) || t.IsDefined(typeof(CompilerGeneratedAttribute)))
        {
            return $"the value is a {Describe(t)}, whose ToString() is generated from its members; map one of its members";
        }

        return null;
    });

    private static string Describe(Type type) => type.IsDefined(typeof(CompilerGeneratedAttribute)) && type.Name.Contains("AnonymousType", StringComparison.Ordinal)
        ? "anonymous object"
        : type.IsArray ? type.GetElementType()!.Name + "[]" : type.Name;
}
