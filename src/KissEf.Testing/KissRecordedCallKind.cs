namespace KissEf.Testing;

/// <summary>The three KISSmetrics calls, as <see cref="KissRecordedCall.Kind"/>.</summary>
public enum KissRecordedCallKind
{
    /// <summary>Record an event (<c>/e</c>); <see cref="KissRecordedCall.Name"/> is the event's name.</summary>
    Event,

    /// <summary>Set properties of a person (<c>/s</c>); <see cref="KissRecordedCall.Name"/> is null.</summary>
    Set,

    /// <summary>Alias two identities (<c>/a</c>); <see cref="KissRecordedCall.Name"/> is the other identity.</summary>
    Alias,
}
