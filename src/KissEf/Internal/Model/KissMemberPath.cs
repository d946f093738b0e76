using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Model;

/// <summary>
/// A member path of a map (<c>Plan</c>, <c>Address.City</c>, <c>Price.Amount</c>, <c>Customer.Email</c>) resolved
/// once against one EF entity type: the complex properties and reference navigations it goes through, and the
/// property (or owned entity, complex value, navigation) it ends at. It reads the value as saved, or as it was,
/// from EF's entries.
/// </summary>
internal sealed class KissMemberPath
{
    private readonly INavigation[] _navigations;
    private readonly Func<DbContext, object?[], EntityEntry?>?[] _principalFinders;
    private readonly IComplexProperty? _complexEnd;

    private KissMemberPath(string path, INavigation[] navigations, IProperty? property, IComplexProperty? complexEnd)
    {
        Path = path;
        _navigations = navigations;
        Property = property;
        _complexEnd = complexEnd;
        _principalFinders = [.. navigations.Select(PrincipalFinder)];
        if (property?.GetValueConverter() is { } converter && !KissTextTypes.HasOwnText(property.ClrType))
        {
            ToProvider = converter.ConvertToProvider;
        }
    }

    public string Path { get; }

    /// <summary>The property the path ends at, or null when it ends at an owned entity, a complex value or a navigation.</summary>
    public IProperty? Property { get; }

    /// <summary>True for a property of the entity itself (or of its complex types): read from the entry's own values.</summary>
    public bool OnRootEntry => _navigations.Length == 0 && Property is not null;

    /// <summary>The first navigation of the path to an entity that is not owned (another row), or null.</summary>
    public string? OtherEntityNavigation => _navigations.FirstOrDefault(n => !n.ForeignKey.IsOwnership)?.Name;

    /// <summary>True when the path ends at a property: it has one value that can be sent.</summary>
    public bool IsScalar => Property is not null;

    /// <summary>
    /// The value converter's store conversion, for a property whose CLR type has no text of its own (a strongly
    /// typed id): such a value is sent as the database holds it.
    /// </summary>
    public Func<object?, object?>? ToProvider { get; }

    /// <summary>Resolves <paramref name="path"/> against <paramref name="entityType"/>; null when EF does not map it.</summary>
    public static KissMemberPath? Resolve(IEntityType entityType, string path)
    {
        ITypeBase current = entityType;
        var navigations = new List<INavigation>();
        var segments = path.Split('.');
        for (var i = 0; i < segments.Length; i++)
        {
            var last = i == segments.Length - 1;
            var segment = segments[i];
            if (current.FindProperty(segment) is { } property)
            {
                return last ? new KissMemberPath(path, [.. navigations], property, null) : null;
            }

            if (current.FindComplexProperty(segment) is { IsCollection: false } complex)
            {
                if (last)
                {
                    return new KissMemberPath(path, [.. navigations], null, complex);
                }

                current = complex.ComplexType;
                continue;
            }

            if (current is IEntityType type && type.FindNavigation(segment) is { IsCollection: false } navigation)
            {
                navigations.Add(navigation);
                if (last)
                {
                    return new KissMemberPath(path, [.. navigations], null, null);
                }

                current = navigation.TargetEntityType;
                continue;
            }

            return null;
        }

        return null;
    }

    /// <summary>
    /// The value at the end of the path: as saved, or (<paramref name="original"/>) as it was before the save.
    /// A broken chain (a navigation not loaded, no owned entity) reads as null.
    /// </summary>
    public object? Read(EntityEntry root, bool original)
    {
        var entry = Walk(root, original);
        if (entry is null)
        {
            return null;
        }

        if (Property is not null)
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

            return original ? entry.OriginalValues[Property] : entry.CurrentValues[Property];
        }

        return _complexEnd is not null ? entry.ComplexProperty(_complexEnd).CurrentValue : entry.Entity;
    }

    /// <summary>True when the saved value differs from the original one.</summary>
    public bool Changed(EntityEntry root)
    {
        if (Property is not null)
        {
            return !Property.GetValueComparer().Equals(Read(root, original: true), Read(root, original: false));
        }

        var entry = Walk(root, original: false);
        if (_complexEnd is not null)
        {
            return entry is not null && ComplexChanged(entry, _complexEnd.ComplexType);
        }

        // A path that ends at a navigation: the owned entity changed, or the reference now points elsewhere.
        var last = _navigations[^1];
        if (last.ForeignKey.IsOwnership)
        {
            return entry is not null && KissOwnedChanges.Any(entry);
        }

        if (!last.IsOnDependent || Walk(root, original: false, _navigations.Length - 1) is not { } dependent)
        {
            return false;
        }

        return last.ForeignKey.Properties.Any(p => !p.GetValueComparer().Equals(dependent.OriginalValues[p], dependent.CurrentValues[p]));
    }

    /// <summary>The deleted owned entity that <paramref name="added"/> replaces (same type, same key), if any.</summary>
    private static EntityEntry? Replaced(EntityEntry added)
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

    private static bool ComplexChanged(EntityEntry entry, IComplexType type)
        => type.GetFlattenedProperties().Any(p => !p.GetValueComparer().Equals(entry.OriginalValues[p], entry.CurrentValues[p]));

    /// <summary>The entry that holds the end of the path: <paramref name="root"/>, or the one its navigations reach.</summary>
    private EntityEntry? Walk(EntityEntry root, bool original, int steps = -1)
    {
        var entry = root;
        var count = steps < 0 ? _navigations.Length : steps;
        for (var i = 0; i < count && entry is not null; i++)
        {
            var navigation = _navigations[i];
            var target = entry.Reference(navigation).TargetEntry;

            // EF clears the navigation of a deleted dependent (an orphan, say): its principal is still tracked,
            // and the foreign key as it was finds it.
            if (target is null && entry.State == EntityState.Deleted && _principalFinders[i] is { } find)
            {
                var keys = navigation.ForeignKey.Properties.Select(p => entry.OriginalValues[p]).ToArray();
                target = keys.Any(k => k is null) ? null : find(entry.Context, keys);
            }

            entry = target;
        }

        return entry;
    }

    private static Func<DbContext, object?[], EntityEntry?>? PrincipalFinder(INavigation navigation)
        => navigation.IsOnDependent && !navigation.ForeignKey.IsOwnership && navigation.ForeignKey.PrincipalKey.IsPrimaryKey()
            ? KissTrackedEntries.Finder(navigation.TargetEntityType)
            : null;
}
