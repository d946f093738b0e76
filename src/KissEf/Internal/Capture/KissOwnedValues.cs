using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Capture;

/// <summary>
/// Compares an owned entity's stored values, as value objects are compared: property by property with each property's
/// value comparer, its key and its foreign key to the owner aside (a new instance that replaces the old one has the
/// owner's key, an item of an owned collection a new key of its own). What it owns in turn is compared by its own entry.
/// </summary>
internal static class KissOwnedValues
{
    /// <summary>
    /// True when <paramref name="after"/> (a new instance, its values as saved) holds the values <paramref name="before"/>
    /// (a deleted instance) had, and the owned references set on one are set on the other.
    /// </summary>
    public static bool Same(EntityEntry before, EntityEntry after)
    {
        foreach (var property in Stored(after.Metadata))
        {
            if (!property.GetValueComparer().Equals(before.OriginalValues[property], after.CurrentValues[property]))
            {
                return false;
            }
        }

        foreach (var navigation in after.Metadata.GetNavigations())
        {
            if (navigation.ForeignKey.IsOwnership && !navigation.IsOnDependent && !navigation.IsCollection
                && (before.Reference(navigation).CurrentValue is null) != (after.Reference(navigation).CurrentValue is null))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when a stored value of <paramref name="entry"/> differs from its original (a modified owned entity).</summary>
    public static bool Changed(EntityEntry entry)
    {
        foreach (var property in Stored(entry.Metadata))
        {
            if (!property.GetValueComparer().Equals(entry.OriginalValues[property], entry.CurrentValues[property]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when a value of <paramref name="entry"/>'s own (a property, a complex property or collection) is marked
    /// modified; false for an entry EF marked modified only because a row it shares was changed by another entry.
    /// </summary>
    public static bool OwnValuesModified(EntityEntry entry)
        => entry.Properties.Any(p => p.IsModified) || entry.ComplexProperties.Any(p => p.IsModified) || entry.ComplexCollections.Any(c => c.IsModified);

    /// <summary>The properties that hold the value: its own and its complex types', keys and the ownership aside.</summary>
    private static IEnumerable<IProperty> Stored(IEntityType type)
        => type.GetFlattenedProperties().Where(p => !p.IsPrimaryKey() && !p.GetContainingForeignKeys().Any(k => k.IsOwnership));
}
