using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Query;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Internal.Backfill;

/// <summary>
/// The DbContext a backfill's query belongs to: the rows are the application's, read by its context, so the services
/// the maps read (<c>IdentifiedBy</c>, <c>HasIdentity&lt;TService&gt;</c>) come from that context's application
/// services, the scope the application created it in, as at a save.
/// </summary>
/// <remarks>
/// EF Core has no public way back from a composed query to its context (dotnet/efcore#12226, closed out of scope). A
/// <c>DbSet</c> gives its context's services; a composed query keeps only its provider, which holds the context's
/// query compiler, which holds its <see cref="IQueryContextFactory"/> (public), whose query context names the context.
/// The two fields are found by what they hold, not by name, two levels deep; when EF changes that, the context is not
/// found, and a map that reads a service skips its calls with the rule that says so (a test pins the path).
/// </remarks>
internal static class KissQueryContext
{
    /// <summary>The context <paramref name="rows"/> is a query of, or null when it cannot be told.</summary>
    public static DbContext? Of(IQueryable rows)
    {
        if (rows is IInfrastructure<IServiceProvider> set)
        {
            return set.Instance.GetService<ICurrentDbContext>()?.Context;
        }

        return Find(rows.Provider, depth: 2)?.Create().Context;
    }

    private static IQueryContextFactory? Find(object? holder, int depth)
    {
        if (holder is IQueryContextFactory factory)
        {
            return factory;
        }

        if (holder is null || depth == 0)
        {
            return null;
        }

        for (var type = holder.GetType(); type is not null && type != typeof(object); type = type.BaseType)
        {
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
            {
                if (field.FieldType.IsInterface && Find(field.GetValue(holder), depth - 1) is { } found)
                {
                    return found;
                }
            }
        }

        return null;
    }
}
