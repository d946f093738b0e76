namespace KissEf.Internal.Model;

/// <summary>A change of the entity that produces calls, with an optional filter.</summary>
internal sealed class KissTrigger<TEntity>
    where TEntity : class
{
    public KissTrigger(KissTriggerKind kind, IReadOnlyList<KissValue<TEntity>> members)
    {
        Kind = kind;
        Members = members;
    }

    public KissTriggerKind Kind { get; }

    /// <summary>The members of <c>OnChanged</c>: the trigger fires when any of them changed.</summary>
    public IReadOnlyList<KissValue<TEntity>> Members { get; }

    public Func<TEntity, bool>? Filter { get; set; }

    /// <summary>Where the person of this trigger's calls comes from, when not the entity's identity (<c>IdentifiedBy</c>).</summary>
    public KissServicePerson? Person { get; set; }

    /// <summary>What the trigger's calls are, for messages: entity and trigger; set when the map is compiled.</summary>
    public string Label { get; set; } = string.Empty;

    /// <summary>The changed-members bits of <see cref="Members"/>, set when the map is compiled.</summary>
    public ulong MemberMask { get; set; }

    public List<KissCallTemplate<TEntity>> Calls { get; } = [];

    public string Describe() => Kind switch
    {
        KissTriggerKind.Added => "OnAdded()",
        KissTriggerKind.Modified => "OnModified()",
        KissTriggerKind.Deleted => "OnDeleted()",
        _ => $"OnChanged({string.Join(", ", Members.Select(m => m.Text))})",
    };
}
