using System.Globalization;

namespace KissEf.Protocol;

/// <summary>Turns a mapped value into the text that is sent: invariant culture, ISO 8601 UTC, true/false.</summary>
internal static class KissValueFormatter
{
    /// <summary>Formats <paramref name="value"/>, or returns null for null (a null property is left out).</summary>
    public static string? Format(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        // Unspecified is what most providers read back: treat it as UTC rather than guess a zone.
        DateTime d => (d.Kind == DateTimeKind.Local ? d.ToUniversalTime() : d)
            .ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
        DateTimeOffset o => o.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly t => t.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        Enum e => e.ToString(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>Reads an event time from a mapped value.</summary>
    public static DateTimeOffset? ToTime(object? value) => value switch
    {
        DateTimeOffset o => o,
        DateTime d => d.Kind == DateTimeKind.Local
            ? new DateTimeOffset(d)
            : new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
        _ => null,
    };
}
