using System.Globalization;

namespace KissEf.Testing;

/// <summary>Reads a call's encoded line (<c>e?_p=…&amp;_n=…&amp;_t=…&amp;_d=1&amp;name=value</c>) back into its parts.</summary>
internal static class KissCallDecoder
{
    public static KissRecordedCall Decode(string line)
    {
        var kind = line[0] switch
        {
            'e' => KissRecordedCallKind.Event,
            's' => KissRecordedCallKind.Set,
            'a' => KissRecordedCallKind.Alias,
            _ => throw new FormatException($"Unknown KissEf call kind '{line[0]}'."),
        };

        var person = string.Empty;
        string? name = null;
        var time = DateTimeOffset.MinValue;
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        var query = line.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? line[(q + 1)..] : string.Empty;
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
            switch (key)
            {
                case "_p":
                    person = value;
                    break;
                case "_n":
                    name = value;
                    break;
                case "_t":
                    time = DateTimeOffset.FromUnixTimeSeconds(long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture));
                    break;
                case "_d":
                case "_k":
                    break;
                default:
                    properties[key] = value;
                    break;
            }
        }

        return new KissRecordedCall(kind, person, name, properties, time);
    }
}
