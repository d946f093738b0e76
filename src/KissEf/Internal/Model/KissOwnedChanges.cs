using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Model;

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

    /// <summary>True when the EF type owns other entity types (so its owner-side changes need a look).</summary>
    public static bool HasOwned(IEntityType type)
        => type.GetNavigations().Any(n => n.ForeignKey.IsOwnership && !n.IsOnDependent);
}
