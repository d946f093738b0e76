namespace KissEf.Protocol;

/// <summary>The parts of a call the vendor's de-duplication compares.</summary>
/// <param name="Kind">An event or a property set.</param>
/// <param name="Person">The person (<c>_p</c>).</param>
/// <param name="Names">The event name, or the names of the properties the set carries.</param>
/// <param name="Time">The call's <c>_t</c>, in Unix seconds.</param>
internal sealed record KissCallKey(KissCallKind Kind, string Person, IReadOnlyList<string> Names, long Time);
