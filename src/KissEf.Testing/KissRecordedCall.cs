namespace KissEf.Testing;

/// <summary>
/// One call as KissEf would have sent it, decoded: the same person, name, properties (formatted as sent) and
/// time, after every validation.
/// </summary>
public sealed class KissRecordedCall
{
    internal KissRecordedCall(KissRecordedCallKind kind, string person, string? name, IReadOnlyDictionary<string, string> properties, DateTimeOffset time)
    {
        Kind = kind;
        Person = person;
        Name = name;
        Properties = properties;
        Time = time;
    }

    /// <summary>Event, property set or alias.</summary>
    public KissRecordedCallKind Kind { get; }

    /// <summary>The identity (<c>_p</c>).</summary>
    public string Person { get; }

    /// <summary>The event's name or, for an alias, the other identity (<c>_n</c>); null for a property set.</summary>
    public string? Name { get; }

    /// <summary>The properties, by name, with their values as sent (text, formatted by KissEf's rules).</summary>
    public IReadOnlyDictionary<string, string> Properties { get; }

    /// <summary>The time of the change the call describes (<c>_t</c>, whole seconds); for an alias, when it was built.</summary>
    public DateTimeOffset Time { get; }

    /// <summary>For assertion messages: kind, person, name and properties.</summary>
    /// <returns>A one-line description.</returns>
    public override string ToString()
        => $"{Kind} {Person}{(Name is null ? string.Empty : " '" + Name + "'")} {{{string.Join(", ", Properties.Select(p => p.Key + "=" + p.Value))}}} @{Time:O}";
}
