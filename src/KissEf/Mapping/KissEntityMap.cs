using System.Collections.Concurrent;
using KissEf.Capture;
using KissEf.Logging;
using KissEf.Protocol;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Mapping;

/// <summary>The compiled map of <typeparamref name="TEntity"/>: triggers by state, member slots, accessors.</summary>
internal sealed class KissEntityMap<TEntity> : IKissEntityMap
    where TEntity : class
{
    private const int MaxWatched = 64;

    private readonly KissValue<TEntity> _identity;
    private readonly KissTrigger<TEntity>[] _added;
    private readonly KissTrigger<TEntity>[] _modified;
    private readonly KissTrigger<TEntity>[] _deleted;
    private readonly KissValue<TEntity>[] _aliasOnChange;
    private readonly (KissValue<TEntity> First, KissValue<TEntity> Second)[] _aliasPairs;
    private readonly string[] _slots;
    private readonly ulong _watchedMask;
    private readonly bool _needsOriginals;
    private readonly bool _hasOnModified;
    private readonly ConcurrentDictionary<IReadOnlyEntityType, IProperty?[]> _bound = new(ReferenceEqualityComparer.Instance);

    private KissEntityMap(KissEntityTypeBuilder<TEntity> builder, KissValue<TEntity> identity, string[] slots)
    {
        _identity = identity;
        _slots = slots;
        _added = [.. builder.Triggers.Where(t => t.Kind == KissTriggerKind.Added)];
        _modified = [.. builder.Triggers.Where(t => t.Kind is KissTriggerKind.Modified or KissTriggerKind.Changed)];
        _deleted = [.. builder.Triggers.Where(t => t.Kind == KissTriggerKind.Deleted)];
        _aliasOnChange = [.. builder.AliasOnChangeMembers];
        _aliasPairs = [.. builder.AliasPairs];
        _hasOnModified = _modified.Any(t => t.Kind == KissTriggerKind.Modified);
        _needsOriginals = _aliasOnChange.Length > 0 || OriginalValues(builder).Any();
        foreach (var watched in WatchedValues(builder))
        {
            _watchedMask |= Bit(watched);
        }

        foreach (var trigger in builder.Triggers)
        {
            trigger.MemberMask = trigger.Members.Aggregate(0UL, (mask, member) => mask | Bit(member));
            foreach (var call in trigger.Calls)
            {
                call.Seal();
            }
        }
    }

    public Type EntityType => typeof(TEntity);

    public string EntityName => typeof(TEntity).Name;

    private bool TracksModified => _modified.Length > 0 || _aliasOnChange.Length > 0 || _aliasPairs.Length > 0;

    private bool TracksAdded => _added.Length > 0 || _aliasPairs.Length > 0;

    /// <summary>Compiles <paramref name="builder"/>, adding to <paramref name="errors"/> what breaks the vendor's rules.</summary>
    public static KissEntityMap<TEntity>? Compile(KissEntityTypeBuilder<TEntity> builder, List<string> errors)
    {
        var entity = typeof(TEntity).Name;
        var before = errors.Count;
        if (builder.Identity is null)
        {
            errors.Add($"Entity '{entity}': no identity. Call HasIdentity(e => e.SomeId) in its map: every call needs a person (_p).");
        }

        foreach (var trigger in builder.Triggers)
        {
            foreach (var call in trigger.Calls)
            {
                var where = call.Kind == KissCallKind.Event
                    ? $"{trigger.Describe()}.Record(\"{call.EventName}\")"
                    : $"{trigger.Describe()}.Set(...)";
                if (call.Kind == KissCallKind.Event && KissNameRules.CheckName(call.EventName) is { } eventRule)
                {
                    errors.Add($"Entity '{entity}', {where}: event name \"{call.EventName}\" is invalid: {eventRule}.");
                }

                var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var property in call.Properties)
                {
                    if (KissNameRules.CheckName(property.Name) is { } rule)
                    {
                        errors.Add($"Entity '{entity}', {where}: property name \"{property.Name}\" ({property.Value.Text}) is invalid: {rule}.");
                    }
                    else if (!seen.Add(property.Name))
                    {
                        errors.Add($"Entity '{entity}', {where}: property \"{property.Name}\" appears twice in one call (names are case-insensitive on the server).");
                    }

                    if (property.Original && property.Value.MemberName is null)
                    {
                        errors.Add($"Entity '{entity}', {where}: WithOriginal(\"{property.Name}\", {property.Value.Text}) must name a property of the entity, like e => e.Plan.");
                    }
                }
            }
        }

        foreach (var member in builder.Triggers.SelectMany(t => t.Members)
                     .Concat(builder.AliasOnChangeMembers)
                     .Concat(builder.AliasPairs.SelectMany(p => new[] { p.First, p.Second })))
        {
            if (member.MemberName is null)
            {
                errors.Add($"Entity '{entity}': watched member {member.Text} must be a property of the entity, like e => e.Email.");
            }
        }

        if (errors.Count > before)
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

        foreach (var watched in WatchedValues(builder))
        {
            SlotOf(watched.MemberName!);
        }

        if (slots.Count > MaxWatched)
        {
            errors.Add($"Entity '{entity}': its map watches {slots.Count} members; at most {MaxWatched} are supported.");
            return null;
        }

        foreach (var value in AllValues(builder))
        {
            value.Compile(SlotOf);
        }

        return new KissEntityMap<TEntity>(builder, builder.Identity!, [.. slots]);
    }

    public IEnumerable<string> Validate(IModel model)
    {
        foreach (var entityType in model.GetEntityTypes().Where(t => typeof(TEntity).IsAssignableFrom(t.ClrType)))
        {
            for (var slot = 0; slot < Math.Min(_slots.Length, MaxWatched); slot++)
            {
                if ((_watchedMask & (1UL << slot)) != 0 && entityType.FindProperty(_slots[slot]) is null)
                {
                    yield return $"Entity '{EntityName}': watched member '{_slots[slot]}' is not a mapped property of the EF entity type '{entityType.DisplayName()}'.";
                }
            }
        }
    }

    public void Capture(ChangeTracker tracker, KissModel model, KissSaveBuffer buffer)
    {
        foreach (var entry in tracker.Entries<TEntity>())
        {
            var state = entry.State;
            if (state is EntityState.Unchanged or EntityState.Detached
                || !ReferenceEquals(model.FindMap(entry.Entity.GetType()), this))
            {
                continue;
            }

            switch (state)
            {
                case EntityState.Added when TracksAdded:
                    buffer.Changes.Add(new KissCapturedChange(this, entry, state, 0, null));
                    break;
                case EntityState.Modified when TracksModified:
                    CaptureModified(entry, buffer);
                    break;
                case EntityState.Deleted when _deleted.Length > 0:
                    // A deleted row's values cannot change any more, and its entry is detached after the save.
                    buffer.FinalizeNow(new KissCapturedChange(this, entry, state, 0, null));
                    break;
            }
        }
    }

    public void Finalize(KissCapturedChange change, KissCallSink sink)
    {
        var entity = (TEntity)change.Entry.Entity;
        var values = sink.Values;
        values.Reset(change.Entry, Bind(change.Entry.Metadata));

        var triggers = change.State switch
        {
            EntityState.Added => _added,
            EntityState.Modified => _modified,
            _ => _deleted,
        };

        if (change.State == EntityState.Modified)
        {
            WriteAliasesOnChange(change, sink, entity, values);
        }

        if (change.State is EntityState.Added or EntityState.Modified)
        {
            WriteAliasPairs(change, sink, entity, values);
        }

        string? identity = null;
        string? identityRule = null;
        var identityRead = false;
        foreach (var trigger in triggers)
        {
            if (trigger.Kind == KissTriggerKind.Changed && (change.Changed & trigger.MemberMask) == 0)
            {
                continue;
            }

            if (trigger.Filter is { } filter && !filter(entity))
            {
                continue;
            }

            if (!identityRead)
            {
                identityRule = KissValueFormatter.FormatIdentity(_identity.Read(entity, values), out identity);
                identityRead = true;
            }

            foreach (var template in trigger.Calls)
            {
                if (identityRule is not null)
                {
                    KissLog.CallSkipped(sink.Logger, template.Description, $"{identityRule} (identity {_identity.Text})");
                    continue;
                }

                WriteCall(template, identity!, change, sink, entity, values);
            }
        }
    }

    /// <summary>The members whose original values a save compares or sends; the first slots, the mask's bits.</summary>
    private static IEnumerable<KissValue<TEntity>> WatchedValues(KissEntityTypeBuilder<TEntity> builder)
        => builder.Triggers.SelectMany(t => t.Members)
            .Concat(OriginalValues(builder))
            .Concat(builder.AliasOnChangeMembers)
            .Concat(builder.AliasPairs.SelectMany(p => new[] { p.First, p.Second }))
            .Where(v => v.MemberName is not null);

    private static IEnumerable<KissValue<TEntity>> OriginalValues(KissEntityTypeBuilder<TEntity> builder)
        => builder.Triggers.SelectMany(t => t.Calls).SelectMany(c => c.Properties).Where(p => p.Original).Select(p => p.Value);

    private static IEnumerable<KissValue<TEntity>> AllValues(KissEntityTypeBuilder<TEntity> builder)
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

    private static ulong Bit(KissValue<TEntity> value) => value.Slot is >= 0 and < MaxWatched ? 1UL << value.Slot : 0;

    private IProperty?[] Bind(IReadOnlyEntityType entityType)
        => _bound.GetOrAdd(entityType, static (type, slots) =>
            [.. slots.Select(name => (IProperty?)((IEntityType)type).FindProperty(name))], _slots);

    private void CaptureModified(EntityEntry entry, KissSaveBuffer buffer)
    {
        var properties = Bind(entry.Metadata);
        PropertyValues? originals = null;
        PropertyValues? current = null;
        object?[]? saved = null;
        ulong changed = 0;
        for (var slot = 0; slot < Math.Min(properties.Length, MaxWatched); slot++)
        {
            if ((_watchedMask & (1UL << slot)) == 0 || properties[slot] is not { } property)
            {
                continue;
            }

            originals ??= entry.OriginalValues;
            current ??= entry.CurrentValues;
            var before = originals[property];
            if (!property.GetValueComparer().Equals(before, current[property]))
            {
                changed |= 1UL << slot;
            }

            if (_needsOriginals)
            {
                saved ??= new object?[Math.Min(properties.Length, MaxWatched)];
                saved[slot] = before;
            }
        }

        // A modified entity none of whose watched members changed matters only to OnModified triggers.
        if (changed != 0 || _hasOnModified)
        {
            buffer.Changes.Add(new KissCapturedChange(this, entry, EntityState.Modified, changed, saved));
        }
    }

    private static void WriteCall(
        KissCallTemplate<TEntity> template,
        string identity,
        KissCapturedChange change,
        KissCallSink sink,
        TEntity entity,
        KissEntryValues values)
    {
        var time = sink.SaveTime;
        if (template.Time is { } at)
        {
            if (KissValueFormatter.ToTime(at.Read(entity, values)) is not { } mapped)
            {
                KissLog.CallSkipped(sink.Logger, template.Description, $"its time {at.Text} has no value");
                return;
            }

            time = mapped;
        }

        if (KissNameRules.CheckTime(time, sink.SaveTime) is { } timeRule)
        {
            KissLog.CallSkipped(sink.Logger, template.Description, $"{timeRule} (check the mapping of {template.Time?.Text ?? "the clock"})");
            return;
        }

        var writer = KissCallWriter.Start(sink.Builder, template.Kind, identity);
        if (template.Kind == KissCallKind.Event)
        {
            writer.Name(template.EventName!);
        }

        writer.Time(time);
        var written = 0;
        foreach (var property in template.Properties)
        {
            var raw = property.Original && change.Originals is { } originals && property.Value.Slot >= 0
                ? originals[property.Value.Slot]
                : property.Value.Read(entity, values);
            if (!KissValueFormatter.TryFormat(raw, out var text, out var valueRule))
            {
                KissLog.PropertyDropped(sink.Logger, property.Name, template.Description, $"{valueRule} ({property.Value.Text})");
                continue;
            }

            if (text is null)
            {
                continue;
            }

            if (text.Length > sink.MaxValueLength)
            {
                KissLog.PropertyDropped(sink.Logger, property.Name, template.Description, $"its value has {text.Length} characters, over the limit of {sink.MaxValueLength} (MaxPropertyValueLength)");
                continue;
            }

            writer.Property(property.Name, text);
            written++;
        }

        // A property set with nothing to set says nothing: not sent.
        if (template.Kind == KissCallKind.Set && written == 0)
        {
            return;
        }

        sink.Calls.Add(new KissCall(writer.ToString(), template.Description));
    }

    private void WriteAliasesOnChange(KissCapturedChange change, KissCallSink sink, TEntity entity, KissEntryValues values)
    {
        foreach (var member in _aliasOnChange)
        {
            if ((change.Changed & Bit(member)) == 0 || change.Originals is null)
            {
                continue;
            }

            WriteAlias(
                change.Originals[member.Slot],
                member.Read(entity, values),
                $"alias of {EntityName} on change of {member.MemberName}",
                sink);
        }
    }

    private void WriteAliasPairs(KissCapturedChange change, KissCallSink sink, TEntity entity, KissEntryValues values)
    {
        foreach (var (first, second) in _aliasPairs)
        {
            if (change.State == EntityState.Modified && (change.Changed & (Bit(first) | Bit(second))) == 0)
            {
                continue;
            }

            var a = first.Read(entity, values);
            var b = second.Read(entity, values);

            // "When both are set": a pair with a missing side is not an alias yet, and not an error.
            if (a is null or "" || b is null or "")
            {
                continue;
            }

            WriteAlias(a, b, $"alias of {EntityName} ({first.MemberName}, {second.MemberName})", sink);
        }
    }

    private static void WriteAlias(object? fromValue, object? toValue, string description, KissCallSink sink)
    {
        var fromRule = KissValueFormatter.FormatIdentity(fromValue, out var from);
        var toRule = KissValueFormatter.FormatIdentity(toValue, out var to);
        if (fromRule is null && toRule is null && string.Equals(from, to, StringComparison.Ordinal))
        {
            return;
        }

        if (fromRule is not null)
        {
            KissLog.CallSkipped(sink.Logger, description, $"{fromRule} (first identity)");
            return;
        }

        if (toRule is not null)
        {
            KissLog.CallSkipped(sink.Logger, description, $"{toRule} (second identity)");
            return;
        }

        var writer = KissCallWriter.Start(sink.Builder, KissCallKind.Alias, from!);
        writer.Name(to!);
        writer.Time(sink.SaveTime);
        sink.Calls.Add(new KissCall(writer.ToString(), description));
    }
}
