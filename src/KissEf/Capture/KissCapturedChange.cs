using KissEf.Mapping;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace KissEf.Capture;

/// <summary>What a save changed in one mapped entity, taken before EF accepts the changes.</summary>
/// <param name="Map">The entity's map.</param>
/// <param name="Entry">EF's entry: it holds the values as saved, store-generated ones included.</param>
/// <param name="State">The state the entity is saved in.</param>
/// <param name="Changed">Bit per member slot: set when that member's saved value differs from its original.</param>
/// <param name="Originals">Original values by member slot, for modified entities whose map needs them.</param>
internal sealed record KissCapturedChange(
    IKissEntityMap Map,
    EntityEntry Entry,
    EntityState State,
    ulong Changed,
    object?[]? Originals);
