using KissEf.Internal.Building;
using KissEf.Internal.Calls;
using KissEf.Internal.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.Extensions.Logging;

namespace KissEf.Internal.Capture;

/// <summary>What a save changes in one mapped entity, taken before EF accepts the changes.</summary>
/// <param name="Map">The entity's map.</param>
/// <param name="Entry">EF's entry: it holds the values as saved, store-generated ones included.</param>
/// <param name="State">The state the entity is saved in.</param>
/// <param name="Changed">Bit per member slot: set when that member's saved value differs from its original.</param>
/// <param name="Originals">Original values by member slot, for modified entities whose map needs them.</param>
internal sealed record KissCapturedChange(
    KissEntityMap Map,
    EntityEntry Entry,
    EntityState State,
    ulong Changed,
    object?[]? Originals)
{
    /// <summary>
    /// A deletion's calls, built when it is captured: its entry is gone after the save, and its values are read
    /// as they were. Null for additions and modifications, built from the values as saved.
    /// </summary>
    public List<KissCall>? Calls { get; set; }

    /// <summary>The messages of building <see cref="Calls"/>, written if the save keeps them.</summary>
    public List<Action<ILogger>>? Logs { get; set; }

    /// <summary>Builds the change's calls into <paramref name="sink"/>, reading the values as saved (a deletion's, as they were).</summary>
    public void Build(KissCallSink sink) => KissCallBuilder.FromEntry(Map, Entry, State, Changed, Originals, sink);
}
