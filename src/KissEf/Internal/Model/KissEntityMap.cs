using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Model;

/// <summary>
/// The compiled map of one CLR type, as data the capture reads without knowing the type: which states it tracks,
/// its member slots and which of them are watched, and those slots resolved against each EF entity type. The typed
/// part (triggers, values, aliases) is <see cref="KissEntityMap{TEntity}"/>, reached through <see cref="Accept{TVisitor}"/>.
/// </summary>
internal abstract class KissEntityMap
{
    /// <summary>The most members a map may watch: each watched slot is a bit of the changed-members mask.</summary>
    public const int MaxWatched = 64;

    private readonly ConcurrentDictionary<IReadOnlyEntityType, KissBoundPaths> _bound = new(ReferenceEqualityComparer.Instance);

    private protected KissEntityMap(Type entityType, KissMapShape shape)
    {
        EntityType = entityType;
        EntityName = entityType.Name;
        Slots = shape.Slots;
        WatchedMask = shape.WatchedMask;
        ScalarMask = shape.ScalarMask;
        NeedsOriginals = shape.NeedsOriginals;
        HasOnModified = shape.HasOnModified;
        TracksAdded = shape.TracksAdded;
        TracksModified = shape.TracksModified;
        TracksDeleted = shape.TracksDeleted;
    }

    public Type EntityType { get; }

    public string EntityName { get; }

    /// <summary>Every member path a value of the map reads, by slot; the watched ones first.</summary>
    public string[] Slots { get; }

    /// <summary>The slots whose original values a save compares or sends.</summary>
    public ulong WatchedMask { get; }

    /// <summary>The slots that need one value (sent as they were, alias sides): a property, not an owned entity.</summary>
    public ulong ScalarMask { get; }

    /// <summary>True when a modification's original values are kept (<c>WithOriginal</c>, <c>AliasOnChange</c>).</summary>
    public bool NeedsOriginals { get; }

    /// <summary>True when an <c>OnModified</c> trigger fires whatever changed.</summary>
    public bool HasOnModified { get; }

    /// <summary>True when an addition produces calls (<c>OnAdded</c>, alias pairs).</summary>
    public bool TracksAdded { get; }

    /// <summary>True when a modification produces calls (<c>OnModified</c>, <c>OnChanged</c>, aliases).</summary>
    public bool TracksModified { get; }

    /// <summary>True when a deletion produces calls (<c>OnDeleted</c>).</summary>
    public bool TracksDeleted { get; }

    /// <summary>The map's member paths resolved against <paramref name="entityType"/>, once per EF entity type.</summary>
    public KissBoundPaths Bind(IReadOnlyEntityType entityType)
        => _bound.GetOrAdd(entityType, static (type, slots) => KissBoundPaths.Resolve((IEntityType)type, slots), Slots);

    /// <summary>Runs <paramref name="visitor"/>'s typed code over this map: the map knows its CLR type, the caller does not.</summary>
    public abstract void Accept<TVisitor>(ref TVisitor visitor)
        where TVisitor : struct, IKissMapVisitor;
}
