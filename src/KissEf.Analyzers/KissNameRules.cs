namespace KissEf.Analyzers;

/// <summary>
/// The vendor's rules for event and property names, as KissEf checks them at start-up (KissEf.Internal.Protocol.
/// KissNameRules.CheckName, called by KissMapRules): same rules, same words, so that the editor says what start-up
/// would say. A copy, not a link: the analyzer is netstandard2.0 and loads into the compiler. The start-up checks stay
/// (maps built at run time, from configuration or loops, have no constant to analyze); a test in
/// KissEf.Analyzers.Tests compares both on the same names.
/// </summary>
internal static class KissNameRules
{
    /// <summary>Longest event or property name.</summary>
    public const int MaxNameLength = 255;

    /// <summary>Returns why <paramref name="name"/> cannot be an event or property name, or null when it can.</summary>
    public static string? CheckName(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "a name must not be empty";
        }

        if (name.Length > MaxNameLength)
        {
            return $"a name must be at most {MaxNameLength} characters (it has {name.Length})";
        }

        if (name[0] == '_')
        {
            return "a name must not start with '_' (reserved for the protocol's own parameters)";
        }

        if (name.IndexOf(',') >= 0 || name.IndexOf(':') >= 0)
        {
            return "a name must not contain ',' or ':' (the server turns them into spaces)";
        }

        if (name.Any(char.IsControl))
        {
            return "a name must not contain control characters";
        }

        return HasLoneSurrogate(name)
            ? "a name must not contain a lone UTF-16 surrogate (it has no UTF-8 form)"
            : null;
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }
}
