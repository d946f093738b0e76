using KissEf.Internal.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Building;

/// <summary>Reads a resolved member path from EF's entries: the value as saved, or as it was before the save.</summary>
internal static class KissPathReader
{
    /// <summary>
    /// The value at the end of <paramref name="path"/>: as saved, or (<paramref name="original"/>) as it was before
    /// the save. A navigation the application did not load is read from the row the save loaded for it
    /// (<paramref name="loaded"/>); any other broken chain (no such row, a null foreign key, no owned entity) reads as null.
    /// </summary>
    public static object? Read(KissMemberPath path, EntityEntry root, bool original, KissLoadedRows? loaded = null)
    {
        if (path.CollectionEnd is { } collection)
        {
            return Walk(path, root, original, path.Navigations.Length - 1)?.Collection(collection).CurrentValue;
        }

        var entry = Walk(path, root, original, path.Navigations.Length, out var from, out var index);
        if (entry is null)
        {
            return loaded is not null && from is not null ? ReadLoaded(path, from, index, original, loaded) : null;
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
        => Walk(path, root, original, steps < 0 ? path.Navigations.Length : steps, out _, out _);

    /// <summary>
    /// The row <paramref name="path"/> reads through a navigation the application did not load, which a save loads for
    /// its calls: the navigation and the foreign key value (as saved, or as it was for a deleted entity), with the
    /// navigations after it (to include); null when the path reaches its end, or stops where nothing can be loaded (a
    /// null or composite foreign key, an owned entity, a navigation from the principal's side, a tracked principal).
    /// </summary>
    public static KissMissingRow? Missing(KissMemberPath path, EntityEntry root, bool original)
    {
        var navigations = path.Navigations;
        if (!path.ReachesOtherRow
            || Walk(path, root, original, navigations.Length, out var from, out var index) is not null
            || from is null
            || path.Principals[index] is not { } principal
            || ForeignKey(navigations[index], from, original) is not { } key
            || KissTrackedEntries.Find(principal, from.Context, [key]) is not null)
        {
            return null;
        }

        var include = index + 1 < navigations.Length ? string.Join('.', navigations[(index + 1)..].Select(n => n.Name)) : null;
        return new KissMissingRow(navigations[index], key, include);
    }

    /// <summary>
    /// Walks the first <paramref name="count"/> navigations; where the chain breaks, <paramref name="from"/> is the last
    /// entry reached and <paramref name="index"/> the navigation it has no target for.
    /// </summary>
    private static EntityEntry? Walk(KissMemberPath path, EntityEntry root, bool original, int count, out EntityEntry? from, out int index)
    {
        var navigations = path.Navigations;
        var entry = root;
        from = null;
        index = 0;
        for (var i = 0; i < count; i++)
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

            if (target is null)
            {
                from = entry;
                index = i;
                return null;
            }

            entry = target;
        }

        return entry;
    }

    /// <summary>The value at the end of <paramref name="path"/> from the row loaded for navigation <paramref name="index"/> of <paramref name="from"/>.</summary>
    private static object? ReadLoaded(KissMemberPath path, EntityEntry from, int index, bool original, KissLoadedRows loaded)
    {
        var navigations = path.Navigations;
        if (path.Principals[index] is null || ForeignKey(navigations[index], from, original) is not { } key)
        {
            return null;
        }

        // A row read without tracking has no entry: the rest of the path is read from its objects (included with it).
        return KissObjectPaths.Read(path, loaded.Find(navigations[index], key), index + 1);
    }

    /// <summary>
    /// The value of <paramref name="navigation"/>'s one-property foreign key on <paramref name="entry"/> (a deleted
    /// entity's as it was), or null (a null or composite key).
    /// </summary>
    private static object? ForeignKey(INavigation navigation, EntityEntry entry, bool original)
    {
        var properties = navigation.ForeignKey.Properties;
        if (properties.Count != 1)
        {
            return null;
        }

        return original || entry.State == EntityState.Deleted ? entry.OriginalValues[properties[0]] : entry.CurrentValues[properties[0]];
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
