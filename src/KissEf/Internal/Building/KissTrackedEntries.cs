using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Building;

/// <summary>Typed lookups of tracked entries, compiled once per EF entity type, that never detect changes.</summary>
internal static class KissTrackedEntries
{
    private static readonly MethodInfo FindMethod =
        typeof(KissTrackedEntries).GetMethod(nameof(Find), BindingFlags.NonPublic | BindingFlags.Static)!;

    private static readonly MethodInfo OfTypeMethod =
        typeof(KissTrackedEntries).GetMethod(nameof(OfType), BindingFlags.NonPublic | BindingFlags.Static)!;

    private static readonly ConcurrentDictionary<Type, Func<DbContext, object?[], EntityEntry?>> Finders = new();

    /// <summary>
    /// Finds a tracked entity of <paramref name="type"/> by primary key values, in the context's identity map;
    /// null for types <c>DbSet</c> cannot reach (owned, shared-type).
    /// </summary>
    public static Func<DbContext, object?[], EntityEntry?>? Finder(IEntityType type)
        => type.IsOwned() || type.HasSharedClrType
            ? null
            : FindMethod.MakeGenericMethod(type.ClrType).CreateDelegate<Func<DbContext, object?[], EntityEntry?>>();

    /// <summary>
    /// The tracked entry of <paramref name="type"/> (an entity type <c>DbSet</c> can reach) with these primary key
    /// values, or null; the typed lookup is made once per CLR type.
    /// </summary>
    public static EntityEntry? Find(IEntityType type, DbContext context, object?[] keys)
        => Finders.GetOrAdd(
            type.ClrType,
            static clrType => FindMethod.MakeGenericMethod(clrType).CreateDelegate<Func<DbContext, object?[], EntityEntry?>>())(context, keys);

    /// <summary>The tracked entries whose CLR type is <paramref name="clrType"/> or derives from it.</summary>
    public static Func<ChangeTracker, IEnumerable<EntityEntry>> OfClrType(Type clrType)
        => OfTypeMethod.MakeGenericMethod(clrType).CreateDelegate<Func<ChangeTracker, IEnumerable<EntityEntry>>>();

    /// <summary>
    /// Reads the change tracker with change detection off: KissEf's own reads must not detect changes (and so
    /// capture the save again) in the middle of its capture. The setting is restored after.
    /// </summary>
    public static T WithoutDetection<T>(ChangeTracker tracker, Func<T> read)
    {
        var detect = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            return read();
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = detect;
        }
    }

    /// <inheritdoc cref="WithoutDetection{T}(ChangeTracker, Func{T})"/>
    public static void WithoutDetection<TState>(ChangeTracker tracker, TState state, Action<TState> read)
    {
        var detect = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            read(state);
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = detect;
        }
    }

    // Local would detect changes, in the middle of KissEf's capture.
    private static EntityEntry<TEntity>? Find<TEntity>(DbContext context, object?[] keys)
        where TEntity : class
        => WithoutDetection(context.ChangeTracker, () => context.Set<TEntity>().Local.FindEntryUntyped(keys));

    private static IEnumerable<EntityEntry> OfType<TEntity>(ChangeTracker tracker)
        where TEntity : class
        => tracker.Entries<TEntity>();
}
