using System.Text;

namespace KissEf.Tests.Protocol;

/// <summary>
/// A strict RFC 3986 decoder for one name or value of a query or form body: every character must be unreserved
/// (ALPHA, DIGIT, '-', '.', '_', '~') or a '%' with two upper-case hex digits, and the bytes must be valid UTF-8
/// (no overlong forms, no encoded surrogates). Anything else is a <see cref="FormatException"/>, where
/// <see cref="Uri.UnescapeDataString(string)"/> would let it through.
/// </summary>
public static class StrictPercentDecoder
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The text <paramref name="encoded"/> stands for.</summary>
    /// <exception cref="FormatException">A character is neither unreserved nor a valid escape, or the bytes are not UTF-8.</exception>
    public static string Decode(string encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        var bytes = new List<byte>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            var ch = encoded[i];
            if (char.IsAsciiLetterOrDigit(ch) || ch is '-' or '.' or '_' or '~')
            {
                bytes.Add((byte)ch);
            }
            else if (ch == '%' && i + 2 < encoded.Length && IsUpperHex(encoded[i + 1]) && IsUpperHex(encoded[i + 2]))
            {
                bytes.Add(Convert.ToByte(encoded.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                throw new FormatException($"'{ch}' (U+{(int)ch:X4}) at {i} is neither unreserved nor a %XX escape in \"{encoded}\".");
            }
        }

        try
        {
            return Utf8.GetString([.. bytes]);
        }
        catch (DecoderFallbackException exception)
        {
            throw new FormatException($"\"{encoded}\" is not valid UTF-8 once decoded.", exception);
        }
    }

    /// <summary>Every pair of <paramref name="parameters"/> (<c>a=b&amp;c=d</c>), decoded strictly, in order.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> DecodePairs(string parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var segment in parameters.Split('&'))
        {
            var eq = segment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new FormatException($"\"{segment}\" is not a name=value pair in \"{parameters}\".");
            }

            pairs.Add(new KeyValuePair<string, string>(Decode(segment[..eq]), Decode(segment[(eq + 1)..])));
        }

        return pairs;
    }

    private static bool IsUpperHex(char ch) => char.IsAsciiDigit(ch) || ch is >= 'A' and <= 'F';
}
