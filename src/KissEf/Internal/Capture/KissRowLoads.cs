using System.Collections.Concurrent;
using System.Reflection;
using KissEf.Internal.Building;
using KissEf.Internal.Logging;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.Logging;

namespace KissEf.Internal.Capture;

/// <summary>
/// Loads, for a save's captured changes, the rows their maps read through reference navigations the application did
/// not load (<c>HasIdentity(o =&gt; o.Buyer.IdentityGuid)</c> of an order saved without its buyer): without it the
/// call is lost for a null identity, although the row is in the database. One query per navigation for every key the
/// save needs (<c>WHERE key IN (…)</c>), on the save's context, so on its connection and in its transaction; without
/// tracking (the rows are used only to build calls: nothing is attached, the application sees no change) and
/// without query filters (a foreign key names its row whatever the application's filters hide).
/// </summary>
internal static class KissRowLoads
{
    private static readonly MethodInfo QueryMethod =
        typeof(KissRowLoads).GetMethod(nameof(Query), BindingFlags.NonPublic | BindingFlags.Static)!;

    private static readonly ConcurrentDictionary<INavigation, Func<DbContext, string, IEnumerable<object>, string?, List<object>>> Queries =
        new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Loads into <paramref name="loaded"/> the rows <paramref name="changes"/> read that are neither tracked nor asked
    /// for yet. A load that fails is logged and costs only the calls that read its rows, never the save.
    /// </summary>
    public static void Load(DbContext context, IEnumerable<KissCapturedChange> changes, KissLoadedRows loaded, ILogger logger)
    {
        Dictionary<INavigation, Wanted>? wanted = null;
        foreach (var change in changes)
        {
            var bound = change.Map.Bind(change.Entry.Metadata);
            if (!bound.ReadsOtherRows)
            {
                continue;
            }

            // Every path of the map that reads another row: the calls of a captured change may read any of them.
            foreach (var path in bound.Paths)
            {
                if (path is { ReachesOtherRow: true }
                    && KissPathReader.Missing(path, change.Entry, original: change.State == EntityState.Deleted) is { } missing
                    && !loaded.Asked(missing.Navigation, missing.Key))
                {
                    wanted ??= new(ReferenceEqualityComparer.Instance);
                    if (!wanted.TryGetValue(missing.Navigation, out var want))
                    {
                        wanted[missing.Navigation] = want = new Wanted();
                    }

                    want.Keys.Add(missing.Key);
                    want.Changes.Add(change);
                    if (missing.Include is { } include)
                    {
                        want.Includes.Add(include);
                    }
                }
            }
        }

        foreach (var (navigation, want) in wanted ?? [])
        {
            Load(context, navigation, want, loaded, logger);
        }
    }

    private static void Load(DbContext context, INavigation navigation, Wanted want, KissLoadedRows loaded, ILogger logger)
    {
        var target = navigation.TargetEntityType;
        var entity = navigation.DeclaringEntityType.DisplayName();
        try
        {
            var query = Queries.GetOrAdd(navigation, static n => QueryMethod
                .MakeGenericMethod(n.TargetEntityType.ClrType, n.ForeignKey.PrincipalKey.Properties[0].ClrType)
                .CreateDelegate<Func<DbContext, string, IEnumerable<object>, string?, List<object>>>());
            var key = navigation.ForeignKey.PrincipalKey.Properties[0];
            var rows = query(context, key.Name, want.Keys, want.Includes.Count == 0 ? null : string.Join(',', want.Includes));
            var getter = key.GetGetter();
            foreach (var row in rows)
            {
                loaded.Add(navigation, getter.GetClrValueUsingContainingEntity(row)!, row);
            }

            KissLog.RowsLoaded(logger, rows.Count, target.DisplayName(), entity, navigation.Name, want.Changes.Count);
        }
        catch (Exception exception)
        {
            KissLog.RowsLoadFailed(logger, target.DisplayName(), entity, navigation.Name, context.GetType().Name, exception);
        }

        // A key without a row (or whose load failed) is not asked for again by a later capture of the save.
        foreach (var asked in want.Keys)
        {
            if (!loaded.Asked(navigation, asked))
            {
                loaded.Add(navigation, asked, null);
            }
        }
    }

    /// <summary>The rows of <typeparamref name="TTarget"/> whose principal key is among <paramref name="keys"/>, untracked.</summary>
    private static List<object> Query<TTarget, TKey>(DbContext context, string keyName, IEnumerable<object> keys, string? includes)
        where TTarget : class
    {
        List<TKey> values = [.. keys.Cast<TKey>()];
        var query = context.Set<TTarget>().IgnoreQueryFilters().AsNoTracking();
        foreach (var include in includes?.Split(',') ?? [])
        {
            query = query.Include(include);
        }

        return [.. query.Where(e => values.Contains(EF.Property<TKey>(e, keyName)))];
    }

    /// <summary>What a save needs through one navigation.</summary>
    private sealed class Wanted
    {
        public HashSet<object> Keys { get; } = [];

        public HashSet<KissCapturedChange> Changes { get; } = new(ReferenceEqualityComparer.Instance);

        public HashSet<string> Includes { get; } = new(StringComparer.Ordinal);
    }
}
