namespace KissEf.Internal.Protocol;

/// <summary>The vendor's limits (DESIGN.md §1), checked before anything leaves.</summary>
internal static class KissNameRules
{
    /// <summary>Longest event or property name.</summary>
    public const int MaxNameLength = 255;

    /// <summary>Longest identity (<c>_p</c>, and both sides of an alias).</summary>
    public const int MaxIdentityLength = 255;

    /// <summary>How far after the save a mapped time may be: clock skew between machines, not a future event.</summary>
    public static readonly TimeSpan FutureTolerance = TimeSpan.FromDays(1);

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

        // C0, DEL and C1: names are fixed at start-up, so the rule can be strict.
        if (name.Any(char.IsControl))
        {
            return "a name must not contain control characters";
        }

        return KissValueFormatter.CheckText(name) is null
            ? null
            : "a name must not contain a lone UTF-16 surrogate (it has no UTF-8 form)";
    }

    /// <summary>Returns why a call dated <paramref name="time"/>, built by a save at <paramref name="saveTime"/>,
    /// cannot be sent, or null when it can.</summary>
    public static string? CheckTime(DateTimeOffset time, DateTimeOffset saveTime)
    {
        if (time < EarliestTime)
        {
            return "its time is before 2009-01-01, which the vendor does not store";
        }

        // Compared as a difference: saveTime + tolerance could overflow near DateTimeOffset.MaxValue.
        return time - saveTime > FutureTolerance
            ? $"its time is more than {FutureTolerance.TotalHours.ToString(System.Globalization.CultureInfo.InvariantCulture)} hours after the save, which the vendor would store as a future date"
            : null;
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
