namespace KissEf.Internal.Calls;

/// <summary>
/// One validated tracking call, encoded once into the form it is stored and sent in:
/// <see cref="Line"/> is <c>e?_p=…&amp;_n=…&amp;_t=…&amp;_d=1&amp;…</c> without the API key.
/// </summary>
/// <param name="Line">The path letter and percent-encoded query, never holding <c>_k</c> nor a line break.</param>
/// <param name="Description">What the call is, for logs: kind, entity and name; never the person or a value.</param>
internal sealed record KissCall(string Line, string Description)
{
    /// <summary>
    /// The person, for the vendor's de-duplication of calls built in this process (see <see cref="Protocol.KissDistinctTimes"/>);
    /// null for aliases, which it does not de-duplicate, and for calls read back from the outbox.
    /// </summary>
    public string? Person { get; init; }

    /// <summary>The event name, or the names of the properties a set carries, for the de-duplication.</summary>
    public IReadOnlyList<string>? KeyNames { get; init; }

    /// <summary>The call's <c>_t</c>, in Unix seconds, for the de-duplication.</summary>
    public long Time { get; init; }

    /// <summary>Describes a call read back from the outbox: its kind and, for an event, its name.</summary>
    public static string Describe(ReadOnlySpan<char> line)
    {
        var call = new KissCallReader(line);
        return call.Kind switch
        {
            KissCallKind.Event => $"event '{call.Name}'",
            KissCallKind.Set => "property set",
            _ => "alias",
        };
    }
}
