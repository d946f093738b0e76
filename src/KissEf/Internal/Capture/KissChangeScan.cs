using KissEf.Internal.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.ChangeTracking.Internal;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace KissEf.Internal.Capture;

/// <summary>
/// Snapshots the changed entries of every mapped type. A pass per map, over the entries of its type: one pass
/// over every entry (ChangeTracker.Entries()) would allocate an EntityEntry for each entry of an unmapped type too.
/// </summary>
/// <remarks>
/// The pass reads EF's state manager (internal API, EF1001; resolved once per capture), as
/// <c>ChangeTracker.Entries&lt;TEntity&gt;()</c> does with change detection off, without its two LINQ iterators and
/// their delegates per map and save.
/// </remarks>
internal static class KissChangeScan
{
    public static void Capture(KissModel model, ChangeTracker tracker, IKissChangeSet changes)
    {
#pragma warning disable EF1001 // Internal EF Core API: see the remarks.
        var scan = new Scan(model, tracker, tracker.Context.GetService<IStateManager>(), changes);
#pragma warning restore EF1001
        foreach (var map in model.Maps)
        {
            map.Accept(ref scan);
        }
    }

    /// <summary>The entries of <typeparamref name="TEntity"/> whose nearest map is <paramref name="map"/>, then the items removed from their owned collections.</summary>
#pragma warning disable EF1001 // Internal EF Core API: see the remarks.
    private static void Capture<TEntity>(KissEntityMap<TEntity> map, KissModel model, ChangeTracker tracker, IStateManager entries, IKissChangeSet changes)
        where TEntity : class
    {
        foreach (var entry in entries.Entries)
        {
            if (entry.Entity is TEntity && entry.EntityState is not EntityState.Detached && ReferenceEquals(model.FindMap(entry.Entity.GetType()), map))
            {
                KissEntryCapture.Capture(map, new EntityEntry<TEntity>(entry), changes);
            }
        }

        if (map.TracksModified)
        {
            KissRemovedOwnedItems.Capture(map, model, tracker, changes);
        }
    }

    /// <summary>The typed pass over a map whose CLR type the caller does not know.</summary>
    private readonly record struct Scan(KissModel Model, ChangeTracker Tracker, IStateManager Entries, IKissChangeSet Changes) : IKissMapVisitor
    {
        public void Visit<TEntity>(KissEntityMap<TEntity> map)
            where TEntity : class
            => Capture(map, Model, Tracker, Entries, Changes);
    }
#pragma warning restore EF1001
}
