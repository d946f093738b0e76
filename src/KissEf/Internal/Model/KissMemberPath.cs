using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Model;

/// <summary>
/// A member path of a map (<c>Plan</c>, <c>Address.City</c>, <c>Price.Amount</c>, <c>Customer.Email</c>) resolved
/// once against one EF entity type: the complex properties and reference navigations it goes through, and the
/// property (or owned entity, complex value, navigation) it ends at. Building reads the value as saved, or as it
/// was, from EF's entries along it (<c>KissPathReader</c>); Capture compares them (<c>KissPathChanges</c>).
/// </summary>
internal sealed class KissMemberPath
{
    private KissMemberPath(string path, INavigation[] navigations, IProperty? property, IComplexProperty? complexEnd)
    {
        Path = path;
        Navigations = navigations;
        Property = property;
        ComplexEnd = complexEnd;
        Principals = [.. navigations.Select(PrincipalOf)];
        if (property?.GetValueConverter() is { } converter && !KissTextTypes.HasOwnText(property.ClrType))
        {
            ToProvider = converter.ConvertToProvider;
        }
    }

    public string Path { get; }

    /// <summary>The reference navigations the path goes through, in order; the last one may be an owned collection.</summary>
    public INavigation[] Navigations { get; }

    /// <summary>
    /// By navigation: the principal entity type a dependent's foreign key finds among the tracked entries (by
    /// primary key, an entity type <c>DbSet</c> can reach), else null.
    /// </summary>
    public IEntityType?[] Principals { get; }

    /// <summary>The complex property (or complex collection) the path ends at, or null.</summary>
    public IComplexProperty? ComplexEnd { get; }

    /// <summary>The property the path ends at, or null when it ends at an owned entity, a complex value or a navigation.</summary>
    public IProperty? Property { get; }

    /// <summary>The owned collection the path ends at, or null.</summary>
    public INavigation? CollectionEnd => Navigations is [.., { IsCollection: true } last] ? last : null;

    /// <summary>True for a property of the entity itself (or of its complex types): read from the entry's own values.</summary>
    public bool OnRootEntry => Navigations.Length == 0 && Property is not null;

    /// <summary>The first navigation of the path to an entity that is not owned (another row), or null.</summary>
    public string? OtherEntityNavigation => Navigations.FirstOrDefault(n => !n.ForeignKey.IsOwnership)?.Name;

    /// <summary>
    /// True when the path goes through a reference navigation to another row found by this side's foreign key
    /// (<c>o.Buyer.IdentityGuid</c>): a row the application may not have loaded, which a save then loads.
    /// </summary>
    public bool ReachesOtherRow => Principals.Any(p => p is not null);

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

            // A collection (a complex collection of the entity or of an owned type, an owned collection) can only end a
            // path: its items have no path.
            if (current.FindComplexProperty(segment) is { } complex && (!complex.IsCollection || (last && current is IEntityType)))
            {
                if (last)
                {
                    return new KissMemberPath(path, [.. navigations], null, complex);
                }

                current = complex.ComplexType;
                continue;
            }

            if (current is IEntityType type && type.FindNavigation(segment) is { } navigation
                && (!navigation.IsCollection || (last && navigation.ForeignKey.IsOwnership)))
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

    private static IEntityType? PrincipalOf(INavigation navigation)
        => navigation.IsOnDependent && !navigation.ForeignKey.IsOwnership && navigation.ForeignKey.PrincipalKey.IsPrimaryKey()
            && !navigation.TargetEntityType.IsOwned() && !navigation.TargetEntityType.HasSharedClrType
            ? navigation.TargetEntityType
            : null;
}
