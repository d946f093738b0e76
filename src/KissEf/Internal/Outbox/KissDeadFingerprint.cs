using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace KissEf.Internal.Outbox;

/// <summary>
/// What a dead row's error says once what varies from row to row is taken out: the status code of a refusal as it is
/// (<c>HTTP 400 (BadRequest)</c>), any other message with its e-mail addresses, quoted names, ids, hosts and numbers
/// replaced by placeholders. Rows with the same text failed the same way and form one <see cref="KissDeadGroup"/>,
/// named by a hash of the text (stable across versions as long as these rules are).
/// </summary>
internal static class KissDeadFingerprint
{
    /// <summary>The text of a dead row that has no error (a row past <c>MaxAge</c> before any attempt failed).</summary>
    public const string NoError = "(no error recorded)";

    /// <summary>The normalised text of <paramref name="error"/>.</summary>
    public static string Text(string? error)
    {
        if (string.IsNullOrWhiteSpace(error))
        {
            return NoError;
        }

        // KissEf's refusal: the status code is the failure.
        if (StatusPrefixPattern.IsMatch(error))
        {
            return error.Trim();
        }

        var text = EmailPattern.Replace(error, "<person>");
        text = QuotedPattern.Replace(text, "'<name>'");
        text = GuidPattern.Replace(text, "<id>");
        text = HostPattern.Replace(text, "<host>");
        text = HexIdPattern.Replace(text, "<id>");
        text = NumberPattern.Replace(text, "<n>");
        return text.Trim();
    }

    /// <summary>The group key of the normalised text <paramref name="text"/>: 12 lowercase hexadecimal characters.</summary>
    public static string Key(string text)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];

    // Interpreted, not [GeneratedRegex]: the source generator writes lookup tables of punctuation into the assembly as
    // string literals, which the check of the library's texts (every literal, for doubled full stops) reads as prose.
    // A fingerprint is computed for a page of dead rows at a time, never on a save's path.
    private static readonly Regex StatusPrefixPattern = new(@"^HTTP \d{3}\b", RegexOptions.CultureInvariant);

    private static readonly Regex EmailPattern = new(@"[^\s'""<>()]+@[^\s'""<>()]+", RegexOptions.CultureInvariant);

    private static readonly Regex QuotedPattern = new(@"'[^']*'|""[^""]*""", RegexOptions.CultureInvariant);

    private static readonly Regex GuidPattern = new(@"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b", RegexOptions.CultureInvariant);

    private static readonly Regex HostPattern = new(@"\[[0-9a-fA-F.:]+\](:\d+)?|\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b|\b[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?\b", RegexOptions.CultureInvariant);

    private static readonly Regex HexIdPattern = new(@"\b(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,}\b", RegexOptions.CultureInvariant);

    private static readonly Regex NumberPattern = new(@"\d+", RegexOptions.CultureInvariant);
}
