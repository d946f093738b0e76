using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace KissEf.Internal.Capture;

/// <summary>Whether an owned entity, or one it owns in turn, is saved in this save: a change of its owner.</summary>
internal static class KissOwnedChanges
{
    /// <summary>True when <paramref name="entry"/> or an entity it owns (OwnsOne or OwnsMany) is added, modified or deleted.</summary>
    public static bool Any(EntityEntry entry)
        => entry.State is EntityState.Added or EntityState.Modified or EntityState.Deleted || AnyOwned(entry);

    /// <summary>True when an entity owned by <paramref name="entry"/> (at any depth) is added, modified or deleted.</summary>
    public static bool AnyOwned(EntityEntry entry)
    {
        foreach (var navigation in entry.Metadata.GetNavigations())
        {
            if (!navigation.ForeignKey.IsOwnership || navigation.IsOnDependent)
            {
                continue;
            }

            if (!navigation.IsCollection)
            {
                if (entry.Reference(navigation).TargetEntry is { } owned && Any(owned))
                {
                    return true;
                }

                continue;
            }

            if (entry.Collection(navigation).CurrentValue is { } items)
            {
                foreach (var item in items)
                {
                    if (Any(entry.Context.Entry(item)))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }
}
