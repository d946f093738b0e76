using System.Globalization;
using KissEf.Internal.Calls;

namespace KissEf.Testing;

/// <summary>
/// Reads a call's encoded line (<c>e?_p=…&amp;_n=…&amp;_t=…&amp;_d=1&amp;name=value</c>) back into its parts, through
/// KissEf's own reader of the format (<see cref="KissCallReader"/>; this package depends on exactly its KissEf version).
/// </summary>
internal static class KissCallDecoder
{
    public static KissRecordedCall Decode(string line)
    {
        var call = new KissCallReader(line);
        var kind = call.Kind switch
        {
            KissCallKind.Event => KissRecordedCallKind.Event,
            KissCallKind.Set => KissRecordedCallKind.Set,
            KissCallKind.Alias => KissRecordedCallKind.Alias,
            _ => throw new FormatException($"Unknown KissEf call kind '{line[0]}'."),
        };

        var person = string.Empty;
        string? name = null;
        var time = DateTimeOffset.MinValue;
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        var parameters = call.Parameters;
        while (parameters.MoveNext())
        {
            var key = KissCallReader.Unescape(parameters.Name);
            switch (key)
            {
                case KissCallLine.Person:
                    person = KissCallReader.Unescape(parameters.Value);
                    break;
                case KissCallLine.Name:
                    name = KissCallReader.Unescape(parameters.Value);
                    break;
                case KissCallLine.Time:
                    time = DateTimeOffset.FromUnixTimeSeconds(long.Parse(KissCallReader.Unescape(parameters.Value), NumberStyles.None, CultureInfo.InvariantCulture));
                    break;
                case KissCallLine.UseTime:
                case KissCallLine.Key:
                    break;
                default:
                    properties[key] = KissCallReader.Unescape(parameters.Value);
                    break;
            }
        }

        return new KissRecordedCall(kind, person, name, properties, time);
    }
}
