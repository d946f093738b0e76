using KissEf.Internal.Building;
using KissEf.Internal.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace KissEf.Internal.Capture;

/// <summary>
/// Snapshots one tracked entry of a mapped type: the state it is saved in and, for a modification, which watched
/// members changed and their original values (gone once EF accepts the changes).
/// </summary>
internal static class KissEntryCapture
{
    /// <summary>Adds the change of <paramref name="entry"/> to <paramref name="changes"/> when its map tracks its state.</summary>
    public static void Capture(KissEntityMap map, EntityEntry entry, IKissChangeSet changes)
    {
        switch (entry.State)
        {
            case EntityState.Added when map.TracksAdded:
                changes.Add(new KissCapturedChange(map, entry, EntityState.Added, 0, null));
                break;
            // EF marks the owner of an owned entity replaced in its row modified, none of its own values changed: only a
            // change of the owned values makes that a modification.
            case EntityState.Modified when map.TracksModified
                && (!map.Bind(entry.Metadata).HasOwned || KissOwnedValues.OwnValuesModified(entry) || KissOwnedChanges.AnyOwned(entry)):
                CaptureModified(map, entry, changes);
                break;

            // A change inside an owned entity is a change of its owner.
            case EntityState.Unchanged when map.TracksModified && map.Bind(entry.Metadata).HasOwned && KissOwnedChanges.AnyOwned(entry):
                CaptureModified(map, entry, changes);
                break;
            case EntityState.Deleted when map.TracksDeleted:
                changes.AddDeleted(new KissCapturedChange(map, entry, EntityState.Deleted, 0, null));
                break;
        }
    }

    /// <summary>Adds a modification of <paramref name="entry"/>: its changed watched members and their original values.</summary>
    public static void CaptureModified(KissEntityMap map, EntityEntry entry, IKissChangeSet changes)
    {
        var paths = map.Bind(entry.Metadata).Paths;
        var watchedMask = map.WatchedMask;
        PropertyValues? originals = null;
        PropertyValues? current = null;
        object?[]? saved = null;
        ulong changed = 0;
        for (var slot = 0; slot < Math.Min(paths.Length, KissEntityMap.MaxWatched); slot++)
        {
            if ((watchedMask & (1UL << slot)) == 0 || paths[slot] is not { } path)
            {
                continue;
            }

            object? before;
            if (path.OnRootEntry)
            {
                // The common case, read through one pair of value snapshots per entity.
                originals ??= entry.OriginalValues;
                current ??= entry.CurrentValues;
                before = originals[path.Property!];
                if (!path.Property!.GetValueComparer().Equals(before, current[path.Property!]))
                {
                    changed |= 1UL << slot;
                }
            }
            else
            {
                before = path.IsScalar ? KissPathReader.Read(path, entry, original: true) : null;
                if (KissPathChanges.Changed(path, entry))
                {
                    changed |= 1UL << slot;
                }
            }

            if (map.NeedsOriginals)
            {
                saved ??= new object?[Math.Min(paths.Length, KissEntityMap.MaxWatched)];
                saved[slot] = before;
            }
        }

        // A modified entity none of whose watched members changed matters only to OnModified triggers.
        if (changed != 0 || map.HasOnModified)
        {
            changes.Add(new KissCapturedChange(map, entry, EntityState.Modified, changed, saved));
        }
    }
}
