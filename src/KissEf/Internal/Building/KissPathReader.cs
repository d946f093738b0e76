using KissEf.Internal.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace KissEf.Internal.Building;

/// <summary>Reads a resolved member path from EF's entries: the value as saved, or as it was before the save.</summary>
internal static class KissPathReader
{
    /// <summary>
    /// The value at the end of <paramref name="path"/>: as saved, or (<paramref name="original"/>) as it was before
    /// the save. A broken chain (a navigation not loaded, no owned entity) reads as null.
    /// </summary>
    public static object? Read(KissMemberPath path, EntityEntry root, bool original)
    {
        if (path.CollectionEnd is { } collection)
        {
            return Walk(path, root, original, path.Navigations.Length - 1)?.Collection(collection).CurrentValue;
        }

        var entry = Walk(path, root, original);
        if (entry is null)
        {
            return null;
        }

        if (path.Property is { } property)
        {
            // An owned entity added in this save was set for the first time (no earlier value), or replaced an
            // earlier one, which EF tracks as deleted, with the values as they were.
            if (original && entry.State == EntityState.Added && !ReferenceEquals(entry, root))
            {
                if (Replaced(entry) is not { } replaced)
                {
                    return null;
                }

                entry = replaced;
            }

            return original ? entry.OriginalValues[property] : entry.CurrentValues[property];
        }

        return path.ComplexEnd switch
        {
            { IsCollection: true } complexCollection => entry.ComplexCollection(complexCollection).CurrentValue,
            { } complex => entry.ComplexProperty(complex).CurrentValue,
            _ => entry.Entity,
        };
    }

    /// <summary>
    /// The entry that holds the end of <paramref name="path"/>: <paramref name="root"/>, or the one its navigations
    /// reach (the first <paramref name="steps"/> of them, when given).
    /// </summary>
    public static EntityEntry? Walk(KissMemberPath path, EntityEntry root, bool original, int steps = -1)
    {
        var navigations = path.Navigations;
        var entry = root;
        var count = steps < 0 ? navigations.Length : steps;
        for (var i = 0; i < count && entry is not null; i++)
        {
            var navigation = navigations[i];
            var target = entry.Reference(navigation).TargetEntry;

            // EF clears the navigation of a deleted dependent (an orphan, say): its principal is still tracked,
            // and the foreign key as it was finds it.
            if (target is null && entry.State == EntityState.Deleted && path.Principals[i] is { } principal)
            {
                var keys = navigation.ForeignKey.Properties.Select(p => entry.OriginalValues[p]).ToArray();
                target = keys.Any(k => k is null) ? null : KissTrackedEntries.Find(principal, entry.Context, keys);
            }

            entry = target;
        }

        return entry;
    }

    /// <summary>
    /// The deleted owned entity that <paramref name="added"/> replaces (same type, same key), if any: EF tracks an owned
    /// instance replaced by a new one as the old one deleted and the new one added, with the owner's key.
    /// </summary>
    public static EntityEntry? Replaced(EntityEntry added)
    {
        var key = added.Metadata.FindPrimaryKey();
        if (key is null)
        {
            return null;
        }

        var tracker = added.Context.ChangeTracker;
        return KissTrackedEntries.WithoutDetection(tracker, () => tracker.Entries().FirstOrDefault(e => e.State == EntityState.Deleted
            && ReferenceEquals(e.Metadata, added.Metadata)
            && key.Properties.All(p => Equals(e.OriginalValues[p], added.CurrentValues[p]))));
    }
}
