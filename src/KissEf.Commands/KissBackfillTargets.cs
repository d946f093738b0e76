using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Commands;

/// <summary>
/// Finds the entity <c>kissef backfill</c> names, as <c>dotnet ef</c> finds a context: the context types are those the
/// app registers (EF adds a <see cref="DbContextOptions"/> per <c>AddDbContext</c>, <c>AddDbContextFactory</c> and
/// <c>AddDbContextPool</c>), a name is a type's short or full name, an exact match first, then one ignoring case. A
/// name that fits nothing, or more than one thing, is refused in one line that says what there is and what to type.
/// </summary>
internal static class KissBackfillTargets
{
    /// <summary>The context types registered in <paramref name="services"/> (a scope's), in the order of registration.</summary>
    public static IReadOnlyList<Type> ContextTypes(IServiceProvider services)
        => [.. services.GetServices<DbContextOptions>().Select(o => o.ContextType).Distinct()];

    /// <summary>The entity named <paramref name="entity"/> among the models of <paramref name="contextTypes"/> (or of the one <paramref name="context"/> names).</summary>
    /// <exception cref="InvalidOperationException">No such entity or context, or more than one: the message says what to do.</exception>
    public static KissBackfillTarget Find(IReadOnlyList<Type> contextTypes, Func<Type, IModel> modelOf, string entity, string? context)
    {
        if (contextTypes.Count == 0)
        {
            throw new InvalidOperationException(
                "the app registers no DbContext (AddDbContext, AddDbContextFactory or AddDbContextPool), and the backfill reads the rows through one: register the context that holds the entity.");
        }

        var candidates = contextTypes;
        if (context is not null)
        {
            candidates = Match(contextTypes, t => t, context);
            if (candidates.Count == 0)
            {
                throw new InvalidOperationException(
                    $"no DbContext named '{context}' is registered in the app's services: give --context one of {string.Join(", ", contextTypes.Select(t => t.Name))}.");
            }

            if (candidates.Count > 1)
            {
                throw new InvalidOperationException(
                    $"--context '{context}' names {string.Join(" and ", candidates.Select(t => t.FullName))}: give the full name of one.");
            }
        }

        var entities = candidates.Select(c => (Context: c, Entities: Backfillable(modelOf(c)))).ToList();
        var matches = Match(entities.SelectMany(c => c.Entities.Select(e => (c.Context, Entity: e))).ToList(), m => m.Entity.ClrType, entity);
        if (matches.Count == 0)
        {
            var known = entities.Select(c => $"{c.Context.Name} ({string.Join(", ", c.Entities.Select(e => e.ClrType.Name).Distinct().Order(StringComparer.Ordinal))})");
            throw new InvalidOperationException(
                $"'{entity}' is not an entity type of {string.Join(" or ", known)}: give one of these names, or the type's full name.");
        }

        var types = matches.Select(m => m.Entity.ClrType).Distinct().ToList();
        if (types.Count > 1)
        {
            throw new InvalidOperationException(
                $"'{entity}' names the entity types {string.Join(" and ", types.Select(t => t.FullName))}: give the full name of one.");
        }

        if (matches.Count > 1)
        {
            throw new InvalidOperationException(
                $"{types[0].Name} is an entity type of {string.Join(" and ", matches.Select(m => m.Context.Name))}: choose one with --context (kissef backfill {entity} --context {matches[0].Context.Name}).");
        }

        return new KissBackfillTarget(matches[0].Context, matches[0].Entity);
    }

    /// <summary>
    /// The entity types a backfill can query with <c>Set&lt;T&gt;()</c>: not owned (read with their owner), not of a
    /// shared CLR type (a many-to-many join's dictionary), not KissEf's own (the outbox table).
    /// </summary>
    private static List<IEntityType> Backfillable(IModel model)
        => [.. model.GetEntityTypes().Where(e => !e.IsOwned() && !e.HasSharedClrType && e.ClrType.Assembly != typeof(IKissBackfill).Assembly)];

    /// <summary>Those whose type's name or full name is <paramref name="name"/>: exactly, else ignoring case.</summary>
    private static List<T> Match<T>(IReadOnlyList<T> items, Func<T, Type> typeOf, string name)
    {
        var exact = items.Where(i => Named(typeOf(i), name, StringComparison.Ordinal)).ToList();
        return exact.Count > 0 ? exact : [.. items.Where(i => Named(typeOf(i), name, StringComparison.OrdinalIgnoreCase))];
    }

    private static bool Named(Type type, string name, StringComparison comparison)
        => string.Equals(type.Name, name, comparison) || string.Equals(type.FullName, name, comparison);
}
