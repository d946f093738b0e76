using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Capture;

/// <summary>
/// Whether a save's calls can be built before EF's command runs: every change captured is an insert (one statement,
/// which changes one row or fails: no concurrency check can find nothing to change after the command committed), and
/// every member its map reads is a property of the row itself whose value the application set. A value the database
/// makes at the insert (an identity key, a default, a computed column) is known only once the command has run, and the
/// calls are built from the values as saved.
/// </summary>
/// <remarks>
/// Conservative: a path through a navigation (an owned type, another row), to a complex value or to an owned entity
/// keeps the save on the transaction path. A map that reads a store-generated member it does not name (through a method
/// of the entity) is not seen here; the values it reads are then the entity's before the insert.
/// </remarks>
internal static class KissStoreValues
{
    /// <summary>True when every change in <paramref name="changes"/> is an insert whose calls read no store-generated value.</summary>
    public static bool NoneRead(List<KissCapturedChange> changes)
    {
        foreach (var change in changes)
        {
            if (change.State != EntityState.Added || !SetByApplication(change))
            {
                return false;
            }
        }

        return true;
    }

    private static bool SetByApplication(KissCapturedChange change)
    {
        foreach (var path in change.Map.Bind(change.Entry.Metadata).Paths)
        {
            if (path is null)
            {
                continue;
            }

            if (!path.OnRootEntry || path.Property!.DeclaringType is not IEntityType || MadeByDatabase(change, path.Property))
            {
                return false;
            }
        }

        return true;
    }

    // EF's rule for a value read back after an insert: a property generated on add whose value is temporary or not set
    // (the sentinel), or one EF never writes (a computed column).
    private static bool MadeByDatabase(KissCapturedChange change, IProperty property)
    {
        if (property.ValueGenerated == ValueGenerated.Never)
        {
            return false;
        }

        if (property.GetBeforeSaveBehavior() != PropertySaveBehavior.Save)
        {
            return true;
        }

        var entry = change.Entry.Property(property);
        return entry.IsTemporary || Equals(entry.CurrentValue, property.Sentinel);
    }
}
