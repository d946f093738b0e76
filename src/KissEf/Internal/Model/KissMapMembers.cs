namespace KissEf.Internal.Model;

/// <summary>The values of an entity's builder, grouped as the map's rules and its compiler read them.</summary>
internal static class KissMapMembers
{
    /// <summary>The members a save watches (compares or sends as they were): the first slots, the mask's bits.</summary>
    public static IEnumerable<KissValue<TEntity>> Watched<TEntity>(KissEntityTypeBuilder<TEntity> builder)
        where TEntity : class
        => builder.Triggers.SelectMany(t => t.Members)
            .Concat(Originals(builder))
            .Concat(builder.AliasOnChangeMembers)
            .Concat(AliasSides(builder))
            .Where(v => v.MemberName is not null);

    /// <summary>The members of <c>OnChanged</c>, <c>AliasOnChange</c> and <c>Alias</c>: each must be a member path.</summary>
    public static IEnumerable<KissValue<TEntity>> ChangeMembers<TEntity>(KissEntityTypeBuilder<TEntity> builder)
        where TEntity : class
        => builder.Triggers.SelectMany(t => t.Members).Concat(builder.AliasOnChangeMembers).Concat(AliasSides(builder));

    /// <summary>The values sent as they were before the change (<c>WithOriginal</c>).</summary>
    public static IEnumerable<KissValue<TEntity>> Originals<TEntity>(KissEntityTypeBuilder<TEntity> builder)
        where TEntity : class
        => builder.Triggers.SelectMany(t => t.Calls).SelectMany(c => c.Properties).Where(p => p.Original).Select(p => p.Value);

    /// <summary>Both sides of every <c>Alias</c> pair.</summary>
    public static IEnumerable<KissValue<TEntity>> AliasSides<TEntity>(KissEntityTypeBuilder<TEntity> builder)
        where TEntity : class
        => builder.AliasPairs.SelectMany(p => new[] { p.First, p.Second });

    /// <summary>Every value the map reads: identity, trigger members, call properties and times, alias members.</summary>
    public static IEnumerable<KissValue<TEntity>> All<TEntity>(KissEntityTypeBuilder<TEntity> builder)
        where TEntity : class
    {
        if (builder.Identity is not null)
        {
            yield return builder.Identity;
        }

        foreach (var trigger in builder.Triggers)
        {
            foreach (var member in trigger.Members)
            {
                yield return member;
            }

            foreach (var call in trigger.Calls)
            {
                foreach (var property in call.Properties)
                {
                    yield return property.Value;
                }

                if (call.Time is not null)
                {
                    yield return call.Time;
                }
            }
        }

        foreach (var member in builder.AliasOnChangeMembers)
        {
            yield return member;
        }

        foreach (var (first, second) in builder.AliasPairs)
        {
            yield return first;
            yield return second;
        }
    }
}
