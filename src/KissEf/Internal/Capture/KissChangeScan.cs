using KissEf.Internal.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace KissEf.Internal.Capture;

/// <summary>
/// Snapshots the changed entries of every mapped type. A pass per map, over the entries of its type: one pass
/// over every entry (ChangeTracker.Entries()) would allocate an EntityEntry for each entry of an unmapped type too.
/// </summary>
internal static class KissChangeScan
{
    public static void Capture(KissModel model, ChangeTracker tracker, IKissChangeSet changes)
    {
        var scan = new Scan(model, tracker, changes);
        foreach (var map in model.Maps)
        {
            map.Accept(ref scan);
        }
    }

    /// <summary>The entries of <typeparamref name="TEntity"/> whose nearest map is <paramref name="map"/>, then the items removed from their owned collections.</summary>
    private static void Capture<TEntity>(KissEntityMap<TEntity> map, KissModel model, ChangeTracker tracker, IKissChangeSet changes)
        where TEntity : class
    {
        foreach (var entry in tracker.Entries<TEntity>())
        {
            if (entry.State is not EntityState.Detached && ReferenceEquals(model.FindMap(entry.Entity.GetType()), map))
            {
                KissEntryCapture.Capture(map, entry, changes);
            }
        }

        if (map.TracksModified)
        {
            KissRemovedOwnedItems.Capture(map, model, tracker, changes);
        }
    }

    /// <summary>The typed pass over a map whose CLR type the caller does not know.</summary>
    private readonly record struct Scan(KissModel Model, ChangeTracker Tracker, IKissChangeSet Changes) : IKissMapVisitor
    {
        public void Visit<TEntity>(KissEntityMap<TEntity> map)
            where TEntity : class
            => Capture(map, Model, Tracker, Changes);
    }
}
