namespace KissEf.Internal.Model;

/// <summary>
/// Compiles an entity's builder into its map, once per <c>AddKissTracking</c>: checks the rules, gives every member
/// path a slot, compiles every value to a typed delegate, and fixes the masks and texts a save reads.
/// </summary>
internal static class KissMapCompiler
{
    /// <summary>Compiles <paramref name="builder"/>, adding to <paramref name="errors"/> what breaks the vendor's rules.</summary>
    public static KissEntityMap<TEntity>? Compile<TEntity>(KissEntityTypeBuilder<TEntity> builder, List<string> errors)
        where TEntity : class
    {
        if (!KissMapRules.Check(builder, errors))
        {
            return null;
        }

        // Every member any value reads gets a slot, resolved to its EF property once per model. Watched members
        // come first: their slots are the bits of the changed-members mask.
        var slots = new List<string>();
        int SlotOf(string name)
        {
            var slot = slots.IndexOf(name);
            if (slot < 0)
            {
                slot = slots.Count;
                slots.Add(name);
            }

            return slot;
        }

        foreach (var watched in KissMapMembers.Watched(builder))
        {
            SlotOf(watched.MemberName!);
        }

        if (slots.Count > KissEntityMap.MaxWatched)
        {
            errors.Add($"Entity '{typeof(TEntity).Name}': its map watches {slots.Count} members; at most {KissEntityMap.MaxWatched} are supported.");
            return null;
        }

        foreach (var value in KissMapMembers.All(builder))
        {
            value.Compile(SlotOf);
        }

        foreach (var trigger in builder.Triggers)
        {
            trigger.MemberMask = trigger.Members.Aggregate(0UL, (mask, member) => mask | member.Bit);
            foreach (var call in trigger.Calls)
            {
                call.Seal(trigger.Describe());
            }

            trigger.Label = $"calls of {typeof(TEntity).Name} ({trigger.Describe()})";
        }

        return new KissEntityMap<TEntity>(builder, ShapeOf(builder, [.. slots]));
    }

    private static KissMapShape ShapeOf<TEntity>(KissEntityTypeBuilder<TEntity> builder, string[] slots)
        where TEntity : class
    {
        var watched = KissMapMembers.Watched(builder).Aggregate(0UL, (mask, value) => mask | value.Bit);

        // Values sent as they were, and alias sides, need one value: a property, not an owned entity.
        var scalar = KissMapMembers.Originals(builder).Concat(builder.AliasOnChangeMembers).Concat(KissMapMembers.AliasSides(builder))
            .Aggregate(0UL, (mask, value) => mask | value.Bit);
        var triggers = builder.Triggers;
        var aliases = builder.AliasOnChangeMembers.Count > 0 || builder.AliasPairs.Count > 0;
        return new KissMapShape(
            slots,
            watched,
            scalar,
            NeedsOriginals: builder.AliasOnChangeMembers.Count > 0 || KissMapMembers.Originals(builder).Any(),
            HasOnModified: triggers.Exists(t => t.Kind == KissTriggerKind.Modified),
            TracksAdded: triggers.Exists(t => t.Kind == KissTriggerKind.Added) || builder.AliasPairs.Count > 0,
            TracksModified: triggers.Exists(t => t.Kind is KissTriggerKind.Modified or KissTriggerKind.Changed) || aliases,
            TracksDeleted: triggers.Exists(t => t.Kind == KissTriggerKind.Deleted));
    }
}
