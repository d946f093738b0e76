using System.Linq.Expressions;
using KissEf.Internal.Model;

namespace KissEf;

/// <summary>
/// Builds the tracking map of <typeparamref name="TEntity"/>: its identity, the changes that record events or
/// set properties, and the identities to alias. Obtained from <c>KissTrackingBuilder.Entity</c> or passed to
/// <see cref="IKissEntityTypeConfiguration{TEntity}.Configure"/>.
/// </summary>
/// <typeparam name="TEntity">The entity type being tracked.</typeparam>
public sealed class KissEntityTypeBuilder<TEntity>
    where TEntity : class
{
    internal KissEntityTypeBuilder()
    {
    }

    internal KissValue<TEntity>? Identity { get; private set; }

    internal List<KissTrigger<TEntity>> Triggers { get; } = [];

    internal List<KissValue<TEntity>> AliasOnChangeMembers { get; } = [];

    internal List<(KissValue<TEntity> First, KissValue<TEntity> Second)> AliasPairs { get; } = [];

    /// <summary>Sets the person (<c>_p</c>) of every call produced by this entity.</summary>
    /// <param name="identity">The identity, for example <c>c =&gt; c.Email</c>.</param>
    /// <returns>This builder.</returns>
    public KissEntityTypeBuilder<TEntity> HasIdentity<TProperty>(Expression<Func<TEntity, TProperty>> identity)
    {
        Identity = KissValue<TEntity>.From(identity);
        return this;
    }

    /// <summary>
    /// Sets the person (<c>_p</c>) of every call produced by this entity from the entity and an application service:
    /// in a multi-tenant application, the tenant that qualifies the person, for example
    /// <c>HasIdentity&lt;ITenantContext&gt;((u, t) =&gt; t.Id == null ? null : $"{t.Id}:{u.Email}")</c>, so that the
    /// same e-mail in two tenants is two persons at the vendor. The service is resolved as
    /// <see cref="KissTriggerBuilder{TEntity}.IdentifiedBy{TService}"/> resolves its own: when the calls are built, from
    /// the DbContext's application service provider (the scope the context was created in; for a backfill, the
    /// scope of the query's context). The entity's members are read as <see cref="HasIdentity{TProperty}(Expression{Func{TEntity, TProperty}})"/> reads
    /// them (as saved; a deleted entity's as they were); the service's are read as it has them then. A service that
    /// is not registered or cannot be resolved, or a null, empty or invalid result, costs that change's calls
    /// (warning 1001 naming the service and the identity), never the save. Calling either overload again replaces
    /// the identity.
    /// </summary>
    /// <typeparam name="TService">The service, for example an <c>ITenantContext</c> of the application.</typeparam>
    /// <param name="identity">The identity, from the entity and the service.</param>
    /// <returns>This builder.</returns>
    public KissEntityTypeBuilder<TEntity> HasIdentity<TService>(Expression<Func<TEntity, TService, object?>> identity)
        where TService : notnull
    {
        Identity = KissValue<TEntity>.From(identity);
        return this;
    }

    /// <summary>Reacts when an entity is added (inserted).</summary>
    /// <returns>A builder for what the addition records.</returns>
    public KissTriggerBuilder<TEntity> OnAdded() => AddTrigger(KissTriggerKind.Added, []);

    /// <summary>Reacts when a modified entity is saved, whatever changed.</summary>
    /// <returns>A builder for what the change records.</returns>
    public KissTriggerBuilder<TEntity> OnModified() => AddTrigger(KissTriggerKind.Modified, []);

    /// <summary>
    /// Reacts when a modified entity is saved and the saved value of any of <paramref name="members"/> differs
    /// from its original value. An added entity has no earlier value: that is <see cref="OnAdded"/>'s job.
    /// </summary>
    /// <param name="members">Mapped properties of the entity, for example <c>c =&gt; c.Plan</c>.</param>
    /// <returns>A builder for what the change records.</returns>
    public KissTriggerBuilder<TEntity> OnChanged(params Expression<Func<TEntity, object?>>[] members)
    {
        ArgumentNullException.ThrowIfNull(members);
        return AddTrigger(KissTriggerKind.Changed, [.. members.Select(KissValue<TEntity>.From)]);
    }

    /// <summary>Reacts when an entity is deleted.</summary>
    /// <returns>A builder for what the deletion records.</returns>
    public KissTriggerBuilder<TEntity> OnDeleted() => AddTrigger(KissTriggerKind.Deleted, []);

    /// <summary>
    /// When <paramref name="member"/> changes, aliases its old value to its new one (<c>/a</c> with
    /// <c>_p</c> = old, <c>_n</c> = new), so that the person keeps their history under the new identity.
    /// </summary>
    /// <param name="member">A mapped property, typically the identity.</param>
    /// <returns>This builder.</returns>
    public KissEntityTypeBuilder<TEntity> AliasOnChange<TProperty>(Expression<Func<TEntity, TProperty>> member)
    {
        AliasOnChangeMembers.Add(KissValue<TEntity>.From(member));
        return this;
    }

    /// <summary>
    /// Aliases two identities of the same person (<c>/a</c> with <c>_p</c> = first, <c>_n</c> = second) when both
    /// are set: on addition, and whenever either changes.
    /// </summary>
    /// <param name="first">A mapped property holding one identity.</param>
    /// <param name="second">A mapped property holding another identity.</param>
    /// <returns>This builder.</returns>
    public KissEntityTypeBuilder<TEntity> Alias(
        Expression<Func<TEntity, object?>> first,
        Expression<Func<TEntity, object?>> second)
    {
        AliasPairs.Add((KissValue<TEntity>.From(first), KissValue<TEntity>.From(second)));
        return this;
    }

    private KissTriggerBuilder<TEntity> AddTrigger(KissTriggerKind kind, IReadOnlyList<KissValue<TEntity>> members)
    {
        var trigger = new KissTrigger<TEntity>(kind, members);
        Triggers.Add(trigger);
        return new KissTriggerBuilder<TEntity>(trigger);
    }
}
