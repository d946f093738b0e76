namespace KissEf.Protocol;

/// <summary>
/// One validated tracking call, encoded once into the form it is stored and sent in:
/// <see cref="Line"/> is <c>e?_p=…&amp;_n=…&amp;_t=…&amp;_d=1&amp;…</c> without the API key.
/// </summary>
/// <param name="Line">The path letter and percent-encoded query, never holding <c>_k</c> nor a line break.</param>
/// <param name="Description">What the call is, for logs: kind, entity and name; never the person or a value.</param>
internal sealed record KissCall(string Line, string Description)
{
    /// <summary>The kind, read from the path letter.</summary>
    public KissCallKind Kind => Line[0] switch
    {
        'e' => KissCallKind.Event,
        's' => KissCallKind.Set,
        _ => KissCallKind.Alias,
    };
}
