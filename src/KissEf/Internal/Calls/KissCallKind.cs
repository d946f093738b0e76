namespace KissEf.Internal.Calls;

/// <summary>The three KISSmetrics tracking calls.</summary>
internal enum KissCallKind
{
    /// <summary>Record an event: <c>/e</c>.</summary>
    Event,

    /// <summary>Set properties of a person: <c>/s</c>.</summary>
    Set,

    /// <summary>Alias two identities: <c>/a</c>.</summary>
    Alias,
}
