using KissEf.Internal.Building;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Capture;

/// <summary>
/// Whether an owned entity, or one it owns in turn, is saved changed in this save: a change of its owner. Owned types
/// are value objects: one replaced by a new instance that holds the same values (EF tracks the old one as deleted and
/// the new one as added), or an owned collection whose removed and added items hold the same values, is no change.
/// </summary>
internal static class KissOwnedChanges
{
    /// <summary>True when <paramref name="entry"/> or an entity it owns (OwnsOne or OwnsMany) is saved with other values.</summary>
    public static bool Any(EntityEntry entry)
        => entry.State switch
        {
            EntityState.Added => KissPathReader.Replaced(entry) is not { } replaced || !KissOwnedValues.Same(replaced, entry) || AnyOwned(entry),
            EntityState.Modified => KissOwnedValues.Changed(entry) || AnyOwned(entry),
            EntityState.Deleted => true,
            _ => AnyOwned(entry),
        };

    /// <summary>True when an entity owned by <paramref name="entry"/> (at any depth) is saved with other values.</summary>
    public static bool AnyOwned(EntityEntry entry)
    {
        foreach (var navigation in entry.Metadata.GetNavigations())
        {
            if (!navigation.ForeignKey.IsOwnership || navigation.IsOnDependent)
            {
                continue;
            }

            if (navigation.IsCollection ? CollectionChanged(entry, navigation, removedSeen: false) : entry.Reference(navigation).TargetEntry is { } owned && Any(owned))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when the owned collection <paramref name="navigation"/> of <paramref name="owner"/> is saved with other
    /// values: an item changed, or the items removed and the items added do not pair up with equal values (their order
    /// is not compared). <paramref name="removedSeen"/>: the caller knows an item was removed, so a collection without
    /// added items changed; otherwise removed items are looked for only when items were added.
    /// </summary>
    public static bool CollectionChanged(EntityEntry owner, INavigation navigation, bool removedSeen)
    {
        List<EntityEntry>? added = null;
        if (owner.Collection(navigation).CurrentValue is { } items)
        {
            foreach (var item in items)
            {
                var entry = owner.Context.Entry(item);
                if (entry.State == EntityState.Added)
                {
                    (added ??= []).Add(entry);
                }
                else if (Any(entry))
                {
                    return true;
                }
            }
        }

        if (added is null)
        {
            return removedSeen;
        }

        var removed = Removed(owner, navigation);
        if (removed.Count != added.Count)
        {
            return true;
        }

        foreach (var item in added)
        {
            var match = removed.FindIndex(r => KissOwnedValues.Same(r, item));
            if (match < 0 || AnyOwned(item))
            {
                return true;
            }

            removed.RemoveAt(match);
        }

        return false;
    }

    /// <summary>True when the owned collection <paramref name="navigation"/> of <paramref name="owner"/> is saved with other values.</summary>
    public static bool CollectionChanged(EntityEntry owner, INavigation navigation)
        => CollectionChanged(owner, navigation, removedSeen: Removed(owner, navigation).Count > 0);

    /// <summary>The deleted items of <paramref name="owner"/>'s owned collection, found by their foreign key as it was.</summary>
    private static List<EntityEntry> Removed(EntityEntry owner, INavigation navigation)
    {
        var foreignKey = navigation.ForeignKey;
        var keys = foreignKey.PrincipalKey.Properties.Select(p => owner.CurrentValues[p]).ToArray();
        return [.. KissTrackedEntries.OfClrType(navigation.TargetEntityType.ClrType)(owner.Context.ChangeTracker)
            .Where(e => e.State == EntityState.Deleted && ReferenceEquals(e.Metadata, navigation.TargetEntityType)
                && foreignKey.Properties.Select((p, i) => Equals(e.OriginalValues[p], keys[i])).All(same => same))];
    }
}
