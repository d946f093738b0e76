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
internal static partial class KissDeadFingerprint
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
        if (StatusPrefix().IsMatch(error))
        {
            return error.Trim();
        }

        var text = Email().Replace(error, "<person>");
        text = Quoted().Replace(text, "'<name>'");
        text = Guid().Replace(text, "<id>");
        text = Host().Replace(text, "<host>");
        text = HexId().Replace(text, "<id>");
        text = Number().Replace(text, "<n>");
        return text.Trim();
    }

    /// <summary>The group key of the normalised text <paramref name="text"/>: 12 lowercase hexadecimal characters.</summary>
    public static string Key(string text)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];

    [GeneratedRegex(@"^HTTP \d{3}\b")]
    private static partial Regex StatusPrefix();

    [GeneratedRegex(@"[^\s'""<>()]+@[^\s'""<>()]+")]
    private static partial Regex Email();

    [GeneratedRegex(@"'[^']*'|""[^""]*""")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")]
    private static partial Regex Guid();

    // An IPv4 address, a bracketed IPv6 one, or a lowercase dotted host name, with its port.
    [GeneratedRegex(@"\[[0-9a-fA-F:.]+\](:\d+)?|\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b|\b[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?\b")]
    private static partial Regex Host();

    [GeneratedRegex(@"\b(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,}\b")]
    private static partial Regex HexId();

    [GeneratedRegex(@"\d+")]
    private static partial Regex Number();
}
