using System.Collections;
using KissEf.Internal.Building;
using KissEf.Internal.Model;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Bulk;

/// <summary>
/// Reads and compares rows read without tracking (a tracked bulk operation's, before and after its statement), as EF's
/// change tracker would compare them at a save: each mapped property with its value comparer, complex values and owned
/// entities member by member. There is no entry to ask: a row read with <c>AsNoTracking</c> is an object, and the
/// values EF maps are its CLR members.
/// </summary>
internal static class KissRowValues
{
    /// <summary>
    /// True when the two readings of one row hold the same values: a save of the row as changed would have found
    /// nothing to save. Values the database makes at every update (a row version, a computed column) are left out:
    /// the statement changes them whatever it sets, a save of an unchanged row would not have.
    /// </summary>
    public static bool Same(ITypeBase type, object? before, object? after)
    {
        if (before is null || after is null)
        {
            return before is null && after is null;
        }

        foreach (var property in type.GetProperties())
        {
            if (property.IsShadowProperty() || (property.ValueGenerated & ValueGenerated.OnUpdate) != 0)
            {
                continue;
            }

            var getter = property.GetGetter();
            if (!property.GetValueComparer().Equals(getter.GetClrValue(before), getter.GetClrValue(after)))
            {
                return false;
            }
        }

        foreach (var complex in type.GetComplexProperties())
        {
            var getter = complex.GetGetter();
            if (!SameValue(complex.ComplexType, complex.IsCollection, getter.GetClrValue(before), getter.GetClrValue(after)))
            {
                return false;
            }
        }

        if (type is IEntityType entityType)
        {
            foreach (var navigation in entityType.GetNavigations())
            {
                if (!navigation.ForeignKey.IsOwnership || navigation.IsOnDependent)
                {
                    continue;
                }

                var getter = navigation.GetGetter();
                if (!SameValue(navigation.TargetEntityType, navigation.IsCollection, getter.GetClrValue(before), getter.GetClrValue(after)))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>The value at the end of <paramref name="path"/> on <paramref name="row"/> (null when a navigation on the way is null).</summary>
    public static object? Read(KissMemberPath path, object row) => KissObjectPaths.Read(path, row);

    /// <summary>True when the values of <paramref name="path"/> differ between two readings of a row, as a save compares them.</summary>
    public static bool Changed(KissMemberPath path, object? before, object? after)
    {
        if (path.Property is { } property)
        {
            return !property.GetValueComparer().Equals(before, after);
        }

        if (path.ComplexEnd is { } complex)
        {
            return !SameValue(complex.ComplexType, complex.IsCollection, before, after);
        }

        // A path that ends at a navigation: the owned entity changed, or the reference now points at another row.
        var last = path.Navigations[^1];
        if (last.ForeignKey.IsOwnership)
        {
            return !SameValue(last.TargetEntityType, last.IsCollection, before, after);
        }

        var key = last.TargetEntityType.FindPrimaryKey();
        if (key is null || before is null || after is null)
        {
            return before is null != after is null;
        }

        return key.Properties.Any(p => !p.GetValueComparer().Equals(p.GetGetter().GetClrValue(before), p.GetGetter().GetClrValue(after)));
    }

    private static bool SameValue(ITypeBase type, bool collection, object? before, object? after)
    {
        if (!collection)
        {
            return Same(type, before, after);
        }

        if (before is not IEnumerable first || after is not IEnumerable second)
        {
            return before is null && after is null;
        }

        // Items in order, as the database holds them: a collection read twice lists its items in the same order.
        var items = second.GetEnumerator();
        foreach (var item in first)
        {
            if (!items.MoveNext() || !Same(type, item, items.Current))
            {
                return false;
            }
        }

        return !items.MoveNext();
    }
}
