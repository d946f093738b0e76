using KissEf.Internal.Building;
using KissEf.Internal.Model;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Capture;

/// <summary>Whether a save changes the value at the end of a resolved member path, read from EF's entries.</summary>
internal static class KissPathChanges
{
    /// <summary>True when the saved value of <paramref name="path"/> differs from the original one.</summary>
    public static bool Changed(KissMemberPath path, EntityEntry root)
    {
        if (path.Property is { } property)
        {
            return !property.GetValueComparer().Equals(KissPathReader.Read(path, root, original: true), KissPathReader.Read(path, root, original: false));
        }

        if (path.CollectionEnd is { } collection)
        {
            return KissPathReader.Walk(path, root, original: false, path.Navigations.Length - 1) is { } owner
                && KissOwnedChanges.CollectionChanged(owner, collection);
        }

        var entry = KissPathReader.Walk(path, root, original: false);
        if (path.ComplexEnd is { } complex)
        {
            // EF compares a complex collection (JSON) item by item, by position, with the items' value comparers.
            return entry is not null && (complex.IsCollection ? entry.ComplexCollection(complex).IsModified : ComplexChanged(entry, complex.ComplexType));
        }

        // A path that ends at a navigation: the owned entity changed, or the reference now points elsewhere.
        var last = path.Navigations[^1];
        if (last.ForeignKey.IsOwnership)
        {
            return entry is not null && KissOwnedChanges.Any(entry);
        }

        if (!last.IsOnDependent || KissPathReader.Walk(path, root, original: false, path.Navigations.Length - 1) is not { } dependent)
        {
            return false;
        }

        return last.ForeignKey.Properties.Any(p => !p.GetValueComparer().Equals(dependent.OriginalValues[p], dependent.CurrentValues[p]));
    }

    private static bool ComplexChanged(EntityEntry entry, IComplexType type)
        => type.GetFlattenedProperties().Any(p => !p.GetValueComparer().Equals(entry.OriginalValues[p], entry.CurrentValues[p]));
}
