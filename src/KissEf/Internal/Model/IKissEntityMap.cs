using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Model;

/// <summary>The compiled, validated tracking map of one CLR type.</summary>
internal interface IKissEntityMap
{
    Type EntityType { get; }

    string EntityName { get; }

    /// <summary>Snapshots the changed entries of this map's type: state, changed members, original values.</summary>
    void Capture(ChangeTracker tracker, KissModel model, IKissChangeSet buffer);

    /// <summary>Snapshots one entry of this map's type (its state changed after the capture).</summary>
    void CaptureEntry(EntityEntry entry, IKissChangeSet buffer);

    /// <summary>Turns one captured change into calls, reading the values as saved.</summary>
    void Finalize(KissCapturedChange change, KissCallSink sink);

    /// <summary>
    /// Builds the calls of an existing row (a backfill): its <c>OnAdded</c> calls that have their own time
    /// (<c>At</c>), and its alias pairs, from the object's values.
    /// </summary>
    void BuildExisting(object entity, IEntityType entityType, KissCallSink sink);

    /// <summary>Checks the watched members against an EF model; returns what is wrong.</summary>
    IEnumerable<string> Validate(IModel model);
}
