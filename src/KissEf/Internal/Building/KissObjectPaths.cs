using KissEf.Internal.Model;

namespace KissEf.Internal.Building;

/// <summary>
/// Reads a resolved member path from objects read without tracking (no entry to ask): a row a save loaded for a
/// navigation the application did not load, or a row a tracked bulk operation read. EF's getters give the CLR members
/// it maps; a shadow property has no value on such an object.
/// </summary>
internal static class KissObjectPaths
{
    /// <summary>
    /// The value at the end of <paramref name="path"/> read from <paramref name="row"/>, which stands after the path's
    /// first <paramref name="start"/> navigations (0: the path's root); null where a navigation on the way is null.
    /// </summary>
    public static object? Read(KissMemberPath path, object? row, int start = 0)
    {
        var navigations = path.Navigations;
        for (var i = start; i < navigations.Length && row is not null; i++)
        {
            row = navigations[i].GetGetter().GetClrValue(row);
        }

        if (row is null)
        {
            return null;
        }

        if (path.Property is { } property)
        {
            return property.IsShadowProperty() ? null : property.GetGetter().GetClrValueUsingContainingEntity(row);
        }

        return path.ComplexEnd is { } complex ? complex.GetGetter().GetClrValueUsingContainingEntity(row) : row;
    }
}
