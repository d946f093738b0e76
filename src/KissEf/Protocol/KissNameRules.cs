namespace KissEf.Protocol;

/// <summary>The vendor's limits (DESIGN.md §1), checked before anything leaves.</summary>
internal static class KissNameRules
{
    /// <summary>Longest event or property name.</summary>
    public const int MaxNameLength = 255;

    /// <summary>Longest identity (<c>_p</c>, and both sides of an alias).</summary>
    public const int MaxIdentityLength = 255;

    /// <summary>Longest property value.</summary>
    public const int MaxValueLength = 512;

    /// <summary>Events and property sets dated before this are not stored by the vendor.</summary>
    public static readonly DateTimeOffset EarliestTime = new(2009, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Returns why <paramref name="name"/> cannot be an event or property name, or null when it can.</summary>
    public static string? CheckName(string? name)
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

        if (name.Contains(',', StringComparison.Ordinal) || name.Contains(':', StringComparison.Ordinal))
        {
            return "a name must not contain ',' or ':' (the server turns them into spaces)";
        }

        return null;
    }

    /// <summary>Returns why <paramref name="identity"/> cannot be sent as a person, or null when it can.</summary>
    public static string? CheckIdentity(string? identity)
    {
        if (string.IsNullOrWhiteSpace(identity))
        {
            return "the identity is null or empty";
        }

        return identity.Length > MaxIdentityLength
            ? $"the identity is longer than {MaxIdentityLength} characters ({identity.Length})"
            : null;
    }
}
