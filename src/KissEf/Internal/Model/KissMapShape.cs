namespace KissEf.Internal.Model;

/// <summary>What the map compiler works out about a map that does not depend on its CLR type.</summary>
/// <param name="Slots">Every member path a value reads, by slot; the watched ones first.</param>
/// <param name="WatchedMask">The slots whose original values a save compares or sends.</param>
/// <param name="ScalarMask">The slots that need one value: a property, not an owned entity.</param>
/// <param name="NeedsOriginals">True when a modification's original values are kept.</param>
/// <param name="HasOnModified">True when an <c>OnModified</c> trigger fires whatever changed.</param>
/// <param name="TracksAdded">True when an addition produces calls.</param>
/// <param name="TracksModified">True when a modification produces calls.</param>
/// <param name="TracksDeleted">True when a deletion produces calls.</param>
internal sealed record KissMapShape(
    string[] Slots,
    ulong WatchedMask,
    ulong ScalarMask,
    bool NeedsOriginals,
    bool HasOnModified,
    bool TracksAdded,
    bool TracksModified,
    bool TracksDeleted);
