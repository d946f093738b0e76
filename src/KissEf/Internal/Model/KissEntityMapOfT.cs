using Microsoft.EntityFrameworkCore;

namespace KissEf.Internal.Model;

/// <summary>
/// The compiled map of <typeparamref name="TEntity"/>, as data: its identity, triggers by state and alias values,
/// whose compiled expressions are typed delegates (a map per CLR type, so that reading a value costs no cast).
/// Built by <see cref="KissMapCompiler"/>; the calls are built from it in Building, the changes captured in Capture.
/// </summary>
internal sealed class KissEntityMap<TEntity> : KissEntityMap
    where TEntity : class
{
    public KissEntityMap(KissEntityTypeBuilder<TEntity> builder, KissMapShape shape)
        : base(typeof(TEntity), shape)
    {
        Identity = builder.Identity!;
        Added = [.. builder.Triggers.Where(t => t.Kind == KissTriggerKind.Added)];
        Modified = [.. builder.Triggers.Where(t => t.Kind is KissTriggerKind.Modified or KissTriggerKind.Changed)];
        Deleted = [.. builder.Triggers.Where(t => t.Kind == KissTriggerKind.Deleted)];
        AliasOnChange = [.. builder.AliasOnChangeMembers];
        AliasPairs = [.. builder.AliasPairs];
        AliasOnChangeLabels = [.. AliasOnChange.Select(m => $"alias (/a) of {EntityName} (AliasOnChange({m.Text}))")];
        AliasPairLabels = [.. AliasPairs.Select(p => $"alias (/a) of {EntityName} (Alias({p.First.Text}, {p.Second.Text}))")];
    }

    /// <summary>The person (<c>_p</c>) of every call that has no <c>IdentifiedBy</c>.</summary>
    public KissValue<TEntity> Identity { get; }

    public KissTrigger<TEntity>[] Added { get; }

    /// <summary>The <c>OnModified</c> and <c>OnChanged</c> triggers.</summary>
    public KissTrigger<TEntity>[] Modified { get; }

    public KissTrigger<TEntity>[] Deleted { get; }

    /// <summary>The members whose old value is aliased to their new one when they change.</summary>
    public KissValue<TEntity>[] AliasOnChange { get; }

    /// <summary>The pairs of identities aliased when both are set.</summary>
    public (KissValue<TEntity> First, KissValue<TEntity> Second)[] AliasPairs { get; }

    /// <summary>What each <see cref="AliasOnChange"/> call is, for messages; built once.</summary>
    public string[] AliasOnChangeLabels { get; }

    /// <summary>What each <see cref="AliasPairs"/> call is, for messages; built once.</summary>
    public string[] AliasPairLabels { get; }

    /// <summary>The triggers a change saved in <paramref name="state"/> may fire.</summary>
    public KissTrigger<TEntity>[] TriggersOf(EntityState state) => state switch
    {
        EntityState.Added => Added,
        EntityState.Modified => Modified,
        _ => Deleted,
    };

    public override void Accept<TVisitor>(ref TVisitor visitor) => visitor.Visit(this);
}
