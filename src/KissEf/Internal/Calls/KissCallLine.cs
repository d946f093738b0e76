namespace KissEf.Internal.Calls;

/// <summary>
/// The words of a call line, shared by its one writer (<see cref="KissCallWriter"/>) and its one reader
/// (<see cref="KissCallReader"/>): the path letter of each kind of call and the names of the protocol's parameters.
/// A line is <c>{letter}?_p=…[&amp;_n=…]&amp;_t=…&amp;_d=1[&amp;name=value…]</c>, RFC 3986 percent-encoded, never
/// holding <c>_k</c> (added by the sender) nor a line break (rows of the outbox hold one line per call).
/// </summary>
internal static class KissCallLine
{
    /// <summary>The person (<c>_p</c>): the identity the call is about.</summary>
    public const string Person = "_p";

    /// <summary>The event name of <c>/e</c>, or the other identity of <c>/a</c> (<c>_n</c>).</summary>
    public const string Name = "_n";

    /// <summary>The call's time in Unix seconds (<c>_t</c>).</summary>
    public const string Time = "_t";

    /// <summary>"Use <c>_t</c> as the event's time" (<c>_d=1</c>), written with every <c>_t</c>.</summary>
    public const string UseTime = "_d";

    /// <summary>The API key (<c>_k</c>): never in a line; a reader of a sent request may meet it.</summary>
    public const string Key = "_k";

    /// <summary>The path letter of <paramref name="kind"/>: <c>e</c>, <c>s</c> or <c>a</c>.</summary>
    public static char Letter(KissCallKind kind) => kind switch
    {
        KissCallKind.Event => 'e',
        KissCallKind.Set => 's',
        _ => 'a',
    };

    /// <summary>The kind of call a path letter names; null for anything else.</summary>
    public static KissCallKind? Kind(char letter) => letter switch
    {
        'e' => KissCallKind.Event,
        's' => KissCallKind.Set,
        'a' => KissCallKind.Alias,
        _ => null,
    };
}
