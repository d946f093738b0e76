using KissEf.Internal.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Building;

/// <summary>
/// Builds the calls of one entity from its compiled map and its values: the aliases, then each trigger of its state
/// that fires, with its person and its calls. Used by a save (an entry's values) and by a backfill (an object's).
/// </summary>
internal static class KissCallBuilder
{
    /// <summary>The calls of a saved change, reading the values as saved from <paramref name="entry"/>.</summary>
    public static void FromEntry(KissEntityMap map, EntityEntry entry, EntityState state, ulong changed, object?[]? originals, KissCallSink sink)
    {
        // A deleted row is described as it was.
        sink.Values.Reset(entry, map.Bind(entry.Metadata).Paths, original: state == EntityState.Deleted);
        var build = new Build(entry.Entity, state, changed, originals, sink, Backfill: false);
        map.Accept(ref build);
    }

    /// <summary>
    /// The calls of an existing row (a backfill): its <c>OnAdded</c> calls that have their own time (<c>At</c>), and
    /// its alias pairs, from the object's values.
    /// </summary>
    public static void FromObject(KissEntityMap map, object entity, IEntityType entityType, KissCallSink sink)
    {
        // A row read from the database, not tracked: its values are the object's, as loaded.
        sink.Values.Reset(null, map.Bind(entityType).Paths, original: false);
        var build = new Build(entity, EntityState.Added, 0, null, sink, Backfill: true);
        map.Accept(ref build);
    }

    /// <summary>
    /// The calls of a row changed by a tracked bulk operation, read from the object as the database holds it (no entry):
    /// a modification's from the row as saved, with <paramref name="changed"/> and <paramref name="originals"/> taken
    /// from the row as it was; a deletion's from the row as it was.
    /// </summary>
    public static void FromRow(KissEntityMap map, object entity, IEntityType entityType, EntityState state, ulong changed, object?[]? originals, KissCallSink sink)
    {
        sink.Values.Reset(null, map.Bind(entityType).Paths, original: false);
        var build = new Build(entity, state, changed, originals, sink, Backfill: false);
        map.Accept(ref build);
    }

    private static void BuildCalls<TEntity>(
        KissEntityMap<TEntity> map,
        TEntity entity,
        EntityState state,
        ulong changedMask,
        object?[]? originals,
        KissCallSink sink,
        bool backfill)
        where TEntity : class
    {
        var values = sink.Values;
        if (state == EntityState.Modified)
        {
            KissAliasCalls.WriteOnChange(map, changedMask, originals, sink, entity, values);
        }

        if (state is EntityState.Added or EntityState.Modified)
        {
            KissAliasCalls.WritePairs(map, state, changedMask, sink, entity, values);
        }

        var identity = default(KissEntityIdentity);
        foreach (var trigger in map.TriggersOf(state))
        {
            if (!Fires(trigger, entity, changedMask, sink))
            {
                continue;
            }

            var (person, personRule) = trigger.Person is { } servicePerson
                ? KissServicePersons.Read(servicePerson, trigger.Label, sink)
                : identity.Of(map, trigger, entity, values, sink);
            foreach (var template in trigger.Calls)
            {
                if (personRule is not null)
                {
                    sink.Skipped(template.Description, personRule);
                    continue;
                }

                // A backfill has no save to date a call by: only a call with its own time can be replayed.
                if (backfill && template.Time is null)
                {
                    sink.Skipped(template.Description, "it has no At(...): a backfill has no time of its own to give it");
                    continue;
                }

                KissCallEncoder.Write(template, person!, originals, sink, entity, values);
            }
        }
    }

    /// <summary>True when <paramref name="trigger"/> fires: one of its members changed (<c>OnChanged</c>), its filter holds.</summary>
    private static bool Fires<TEntity>(KissTrigger<TEntity> trigger, TEntity entity, ulong changedMask, KissCallSink sink)
        where TEntity : class
    {
        if (trigger.Kind == KissTriggerKind.Changed && (changedMask & trigger.MemberMask) == 0)
        {
            return false;
        }

        if (trigger.Filter is { } filter)
        {
            sink.Step = trigger.Label;
            sink.Expression = "of its When filter";
            return filter(entity);
        }

        return true;
    }

    /// <summary>The typed build over a map whose CLR type the caller does not know.</summary>
    private readonly record struct Build(object Entity, EntityState State, ulong Changed, object?[]? Originals, KissCallSink Sink, bool Backfill)
        : IKissMapVisitor
    {
        public void Visit<TEntity>(KissEntityMap<TEntity> map)
            where TEntity : class
            => BuildCalls(map, (TEntity)Entity, State, Changed, Originals, Sink, Backfill);
    }
}
