using KissEf.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;

namespace KissEf.Internal.Outbox;

/// <summary>
/// Keeps KissEf's outbox entity KissEf's. The application's code that changes every entity type (a tenant's shadow
/// column and query filter, a soft-delete flag, audit columns, a maximum length for every string) reaches the entity
/// when it runs as a convention: <see cref="KissOutboxConvention"/> adds it when the model is finalized, so a loop in
/// <c>OnModelCreating</c> never sees it, but the application's conventions run after it. This guard runs after all of
/// them and puts the entity back into <see cref="KissOutboxShape"/>: it removes what was added (query filters,
/// properties, keys, indexes, relationships, constraints, triggers, annotations) and resets the settings of KissEf's
/// own columns that change what they hold (nullability, maximum length, type, conversion, default, generation). When
/// the model is finalized it looks again and fails, naming what differs and how to leave the entity out, if anything
/// could not be undone or was changed after it (nothing KissEf's SQL could rely on then).
/// </summary>
/// <remarks>
/// The EF Core facts this rests on (EF Core 10: <c>ModelSource.CreateModel</c>, <c>ConventionDispatcher</c>):
/// <list type="bullet">
/// <item>The conventions an application adds in <c>ConfigureConventions</c> are appended to the convention set after
/// those of the plugins (<c>ConventionSetBuilder.Add</c>): a convention a plugin puts last is not last any more.</item>
/// <item>The model is created after <c>ConfigureConventions</c>, and creating it runs the model-initialized conventions:
/// the set is complete then, and the guard appends itself to the finalizing conventions there.</item>
/// <item>The dispatcher reads the set's lists when it dispatches (its scope holds the set, not a copy), so the guard runs
/// after every finalizing convention, the application's included; if it ever did not, the check at finalized fails.</item>
/// <item>Each finalizing convention runs in a batch of its own: the conventions that react to a removal (an index
/// going with its property) run before the next one, and all before the model is made read-only.</item>
/// <item>Type mappings are found lazily once the model is read-only: a setting reset here is what the mapping is made
/// from.</item>
/// <item>The metadata API (<c>IConventionEntityType.RemoveProperty</c>, <c>IConventionProperty.SetMaxLength</c>...)
/// does not weigh configuration sources as builders do, so what the application set explicitly (pre-convention
/// configuration such as <c>Properties&lt;string&gt;().HaveMaxLength(256)</c> is explicit) is undone as well.</item>
/// <item>Model-finalized conventions get the read-only model; inserted first, the check sees EF's model before
/// <c>RuntimeModelConvention</c> turns it into the runtime model.</item>
/// </list>
/// </remarks>
internal sealed class KissOutboxGuard(ConventionSet conventions, string contextName)
    : IModelInitializedConvention, IModelFinalizingConvention, IModelFinalizedConvention
{
    // The providers' names of a database identity: Npgsql's, SQL Server's.
    private static readonly string[] IdentityStrategies = ["IdentityByDefaultColumn", "IdentityColumn"];

    public void ProcessModelInitialized(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context)
    {
        // Last of the finalizing conventions, now that the application's are in the set (once per model: a set is made
        // for each model EF builds).
        conventions.ModelFinalizingConventions.Remove(this);
        conventions.ModelFinalizingConventions.Add(this);
    }

    public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context)
    {
        if (modelBuilder.Metadata.FindEntityType(typeof(KissOutboxMessage)) is { } entity)
        {
            Restore(entity);
        }
    }

    public IModel ProcessModelFinalized(IModel model)
    {
        if (model.FindEntityType(typeof(KissOutboxMessage)) is { } entity && KissOutboxShape.Differences(entity) is { Count: > 0 } differences)
        {
            throw new InvalidOperationException(
                $"KissEf's outbox entity {entity.DisplayName()} (table '{entity.GetTableName()}') of {contextName} was changed by the " +
                $"application's model building in a way KissEf cannot undo: {string.Join("; ", differences)}. KissEf's SQL reads and " +
                "writes that table as KissEf configures it. Leave the entity out of the code that changes every entity type: " +
                "skip it with 'if (entityType.IsKissEfEntity()) continue;' (namespace Microsoft.EntityFrameworkCore), or test " +
                $"'entityType.ClrType.Namespace == \"{typeof(KissOutboxMessage).Namespace}\"'.");
        }

        return model;
    }

    private static void Restore(IConventionEntityType entity)
    {
        // EF keeps an entity type's query filters, named and anonymous, in one annotation.
        entity.RemoveAnnotation(KissOutboxShape.QueryFilters);
        foreach (var annotation in entity.GetAnnotations().Where(a => KissOutboxShape.IsForeignAnnotation(a.Name)).ToList())
        {
            entity.RemoveAnnotation(annotation.Name);
        }

        // What uses a property goes first: EF refuses to remove a property a key, foreign key or index holds.
        RemoveMembers(entity);
        RestoreKeys(entity);
        RestoreIndex(entity);
        foreach (var property in entity.GetDeclaredProperties().ToList())
        {
            if (KissOutboxShape.Find(property.Name) is { } column)
            {
                RestoreColumn(property, column);
            }
            else if (!property.IsKey() && !property.IsForeignKey() && !property.IsIndex())
            {
                // Held only by a key another entity type references: left for the check to name.
                entity.RemoveProperty(property);
            }
        }
    }

    private static void RemoveMembers(IConventionEntityType entity)
    {
        foreach (var navigation in entity.GetDeclaredSkipNavigations().ToList())
        {
            entity.RemoveSkipNavigation(navigation);
        }

        // A foreign key goes with its navigations. One another entity type declares (a navigation to the outbox), or a
        // many-to-many navigation of another entity type goes through, is the application's entity's: left for the
        // check to name.
        foreach (var foreignKey in entity.GetDeclaredForeignKeys().Where(k => !k.GetReferencingSkipNavigations().Any()).ToList())
        {
            entity.RemoveForeignKey(foreignKey);
        }

        foreach (var complex in entity.GetDeclaredComplexProperties().ToList())
        {
            entity.RemoveComplexProperty(complex);
        }

        foreach (var service in entity.GetDeclaredServiceProperties().ToList())
        {
            entity.RemoveServiceProperty(service);
        }

        foreach (var trigger in entity.GetDeclaredTriggers().ToList())
        {
            entity.RemoveTrigger(trigger.ModelName);
        }

        foreach (var constraint in entity.GetDeclaredCheckConstraints().ToList())
        {
            entity.RemoveCheckConstraint(constraint.ModelName);
        }
    }

    private static void RestoreKeys(IConventionEntityType entity)
    {
        if (entity.FindDeclaredProperty(KissOutboxShape.Key) is not { } id)
        {
            return;
        }

        if (entity.IsKeyless)
        {
            entity.SetIsKeyless(false);
        }

        // Setting the primary key keeps the old one as an alternate key, removed below with the others.
        if (entity.FindPrimaryKey() is not { Properties: [var only] } || only != id)
        {
            entity.SetPrimaryKey([id], fromDataAnnotation: true);
        }

        foreach (var key in entity.GetDeclaredKeys().Where(k => !k.IsPrimaryKey() && !k.GetReferencingForeignKeys().Any()).ToList())
        {
            entity.RemoveKey(key);
        }
    }

    private static void RestoreIndex(IConventionEntityType entity)
    {
        var kept = false;
        foreach (var index in entity.GetDeclaredIndexes().ToList())
        {
            if (!kept && index.Properties.Select(p => p.Name).SequenceEqual(KissOutboxShape.Index))
            {
                // KissEf's index, perhaps made unique or filtered (on a tenant's column, say): its name is left alone.
                kept = true;
                index.SetIsUnique(false, fromDataAnnotation: true);
                index.RemoveAnnotation(RelationalAnnotationNames.Filter);
            }
            else
            {
                entity.RemoveIndex(index);
            }
        }

        if (!kept && KissOutboxShape.Index.Select(entity.FindDeclaredProperty).ToList() is var properties && properties.All(p => p is not null))
        {
            entity.AddIndex(properties!, fromDataAnnotation: true);
        }
    }

    private static void RestoreColumn(IConventionProperty property, KissOutboxShape.Column column)
    {
        if (property.IsNullable != column.Nullable)
        {
            property.SetIsNullable(column.Nullable, fromDataAnnotation: true);
        }

        if (property.GetMaxLength() != column.MaxLength)
        {
            property.SetMaxLength(column.MaxLength, fromDataAnnotation: true);
        }

        if (property.ValueGenerated != column.ValueGenerated)
        {
            property.SetValueGenerated(column.ValueGenerated, fromDataAnnotation: true);
        }

        foreach (var name in KissOutboxShape.StorageAnnotations)
        {
            property.RemoveAnnotation(name);
        }

        if (property.Name == KissOutboxShape.Key)
        {
            KeepIdentity(property);
        }
    }

    /// <summary>
    /// A model-wide HiLo (Npgsql's or SQL Server's <c>UseHiLo()</c>) makes every key the client's, from a sequence, and
    /// the provider's convention writes it on each key when the model is finalized. KissEf's INSERT leaves its key to the
    /// database: its key gets the provider's identity strategy instead. The strategy's enum is the provider's, taken from
    /// the value found, so KissEf references no provider; a strategy the database fills (identity, serial, a sequence
    /// default) is left alone.
    /// </summary>
    private static void KeepIdentity(IConventionProperty key)
    {
        var strategies = key.GetAnnotations().Concat(key.DeclaringType.Model.GetAnnotations())
            .Where(a => a.Name.EndsWith(":ValueGenerationStrategy", StringComparison.Ordinal) && a.Value is Enum)
            .DistinctBy(a => a.Name, StringComparer.Ordinal)
            .ToList();
        foreach (var strategy in strategies)
        {
            var type = strategy.Value!.GetType();
            if (strategy.Value.ToString()!.Contains("HiLo", StringComparison.Ordinal)
                && IdentityStrategies.FirstOrDefault(name => Enum.IsDefined(type, name)) is { } identity)
            {
                key.SetAnnotation(strategy.Name, Enum.Parse(type, identity), fromDataAnnotation: true);
            }
        }
    }
}
