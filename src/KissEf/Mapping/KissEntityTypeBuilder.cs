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
