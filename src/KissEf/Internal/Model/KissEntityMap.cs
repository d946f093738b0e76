using System.Collections.Concurrent;
using KissEf.Internal.Calls;
using KissEf.Internal.Protocol;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Model;

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
    private readonly string[] _aliasOnChangeLabels;
    private readonly string[] _aliasPairLabels;
    private readonly string[] _slots;
    private readonly ulong _watchedMask;
    private readonly bool _needsOriginals;
    private readonly bool _hasOnModified;
    private readonly ulong _scalarMask;
    private readonly ConcurrentDictionary<IReadOnlyEntityType, Bound> _bound = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<IModel, OwnedCollection[]> _ownedCollections = new(ReferenceEqualityComparer.Instance);

    private KissEntityMap(KissEntityTypeBuilder<TEntity> builder, KissValue<TEntity> identity, string[] slots)
    {
        _identity = identity;
        _slots = slots;
        _added = [.. builder.Triggers.Where(t => t.Kind == KissTriggerKind.Added)];
        _modified = [.. builder.Triggers.Where(t => t.Kind is KissTriggerKind.Modified or KissTriggerKind.Changed)];
        _deleted = [.. builder.Triggers.Where(t => t.Kind == KissTriggerKind.Deleted)];
        _aliasOnChange = [.. builder.AliasOnChangeMembers];
        _aliasPairs = [.. builder.AliasPairs];
        _aliasOnChangeLabels = [.. _aliasOnChange.Select(m => $"alias (/a) of {EntityName} (AliasOnChange({m.Text}))")];
        _aliasPairLabels = [.. _aliasPairs.Select(p => $"alias (/a) of {EntityName} (Alias({p.First.Text}, {p.Second.Text}))")];
        _hasOnModified = _modified.Any(t => t.Kind == KissTriggerKind.Modified);
        _needsOriginals = _aliasOnChange.Length > 0 || OriginalValues(builder).Any();
        foreach (var watched in WatchedValues(builder))
        {
            _watchedMask |= Bit(watched);
        }

        // Values sent as they were, and alias sides, need one value: a property, not an owned entity.
        foreach (var scalar in OriginalValues(builder).Concat(builder.AliasOnChangeMembers)
                     .Concat(builder.AliasPairs.SelectMany(p => new[] { p.First, p.Second })))
        {
            _scalarMask |= Bit(scalar);
        }

        foreach (var trigger in builder.Triggers)
        {
            trigger.MemberMask = trigger.Members.Aggregate(0UL, (mask, member) => mask | Bit(member));
            foreach (var call in trigger.Calls)
            {
                call.Seal(trigger.Describe());
            }

            trigger.Label = $"calls of {typeof(TEntity).Name} ({trigger.Describe()})";
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
                        errors.Add($"Entity '{entity}', {where}: WithOriginal(\"{property.Name}\", {property.Value.Text}) must name a member of the entity, like e => e.Plan or e => e.Address.City.");
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
                errors.Add($"Entity '{entity}': watched member {member.Text} must be a plain member access of the entity, like e => e.Email or e => e.Address.City.");
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
        foreach (var entityType in model.GetEntityTypes().Where(t => !t.IsOwned() && typeof(TEntity).IsAssignableFrom(t.ClrType)))
        {
            var bound = Bind(entityType);
            for (var slot = 0; slot < Math.Min(_slots.Length, MaxWatched); slot++)
            {
                if ((_watchedMask & (1UL << slot)) == 0)
                {
                    continue;
                }

                if (bound.Paths[slot] is not { } path)
                {
                    yield return $"Entity '{EntityName}': watched member '{_slots[slot]}' is not a mapped property of the EF entity type '{entityType.DisplayName()}' " +
                        "(a watched member must be a property EF maps: of the entity, of an owned type or of a complex type).";
                }
                else if (path.OtherEntityNavigation is { } navigation)
                {
                    yield return $"Entity '{EntityName}': watched member '{_slots[slot]}' goes through the navigation '{navigation}' of the EF entity type '{entityType.DisplayName()}' to another entity " +
                        "(a watched member must be a property of the entity, of an owned type or of a complex type; track the other entity with a map of its own).";
                }
                else if ((_scalarMask & (1UL << slot)) != 0 && !path.IsScalar)
                {
                    yield return $"Entity '{EntityName}': member '{_slots[slot]}' of the EF entity type '{entityType.DisplayName()}' is an owned entity, a complex value or a navigation; " +
                        "WithOriginal and the alias verbs need one of its properties, like e => e.Address.City.";
                }
            }
        }
    }

    public void Capture(ChangeTracker tracker, KissModel model, IKissChangeSet buffer)
    {
        foreach (var entry in tracker.Entries<TEntity>())
        {
            if (entry.State is not EntityState.Detached && ReferenceEquals(model.FindMap(entry.Entity.GetType()), this))
            {
                CaptureEntry(entry, buffer);
            }
        }

        if (TracksModified)
        {
            CaptureRemovedOwnedItems(tracker, model, buffer);
        }
    }

    /// <summary>
    /// An item removed from an owned collection is deleted, and gone from the collection: its owner, unchanged
    /// otherwise, is found through the item's foreign key as it was.
    /// </summary>
    private void CaptureRemovedOwnedItems(ChangeTracker tracker, KissModel model, IKissChangeSet buffer)
    {
        var collections = _ownedCollections.GetOrAdd(tracker.Context.Model, static efModel => [.. efModel.GetEntityTypes()
            .Where(t => !t.IsOwned() && typeof(TEntity).IsAssignableFrom(t.ClrType))
            .SelectMany(t => t.GetDeclaredNavigations())
            .Where(n => n.IsCollection && n.ForeignKey.IsOwnership && !n.IsOnDependent)
            .Select(n => new OwnedCollection(
                n.TargetEntityType,
                KissTrackedEntries.OfClrType(n.TargetEntityType.ClrType),
                n.ForeignKey,
                KissTrackedEntries.Finder(n.DeclaringEntityType.GetRootType())))
            .Where(c => c.FindOwner is not null)]);
        foreach (var collection in collections)
        {
            foreach (var item in collection.Entries(tracker))
            {
                if (item.State != EntityState.Deleted || !ReferenceEquals(item.Metadata, collection.Type))
                {
                    continue;
                }

                var keys = collection.Ownership.Properties.Select(p => item.OriginalValues[p]).ToArray();
                if (collection.FindOwner!(tracker.Context, keys) is { State: EntityState.Unchanged } owner
                    && ReferenceEquals(model.FindMap(owner.Entity.GetType()), this)
                    && !buffer.Contains(owner.Entity))
                {
                    CaptureModified(owner, buffer);
                }
            }
        }
    }

    public void CaptureEntry(EntityEntry entry, IKissChangeSet buffer)
    {
        switch (entry.State)
        {
            case EntityState.Added when TracksAdded:
                buffer.Add(new KissCapturedChange(this, entry, EntityState.Added, 0, null));
                break;
            case EntityState.Modified when TracksModified:
                CaptureModified(entry, buffer);
                break;

            // A change inside an owned entity is a change of its owner.
            case EntityState.Unchanged when TracksModified && Bind(entry.Metadata).HasOwned && KissOwnedChanges.AnyOwned(entry):
                CaptureModified(entry, buffer);
                break;
            case EntityState.Deleted when _deleted.Length > 0:
                buffer.AddDeleted(new KissCapturedChange(this, entry, EntityState.Deleted, 0, null));
                break;
        }
    }

    public void Finalize(KissCapturedChange change, KissCallSink sink)
    {
        // A deleted row is described as it was.
        sink.Values.Reset(change.Entry, Bind(change.Entry.Metadata).Paths, original: change.State == EntityState.Deleted);
        Build((TEntity)change.Entry.Entity, change.State, change.Changed, change.Originals, sink, backfill: false);
    }

    public void BuildExisting(object entity, IEntityType entityType, KissCallSink sink)
    {
        // A row read from the database, not tracked: its values are the object's, as loaded.
        sink.Values.Reset(null, Bind(entityType).Paths, original: false);
        Build((TEntity)entity, EntityState.Added, 0, null, sink, backfill: true);
    }

    private void Build(TEntity entity, EntityState state, ulong changedMask, object?[]? originals, KissCallSink sink, bool backfill)
    {
        var values = sink.Values;
        var triggers = state switch
        {
            EntityState.Added => _added,
            EntityState.Modified => _modified,
            _ => _deleted,
        };

        if (state == EntityState.Modified)
        {
            WriteAliasesOnChange(changedMask, originals, sink, entity, values);
        }

        if (state is EntityState.Added or EntityState.Modified)
        {
            WriteAliasPairs(state, changedMask, sink, entity, values);
        }

        string? identity = null;
        string? identityRule = null;
        var identityRead = false;
        foreach (var trigger in triggers)
        {
            if (trigger.Kind == KissTriggerKind.Changed && (changedMask & trigger.MemberMask) == 0)
            {
                continue;
            }

            if (trigger.Filter is { } filter)
            {
                sink.Step = trigger.Label;
                sink.Expression = "of its When filter";
                if (!filter(entity))
                {
                    continue;
                }
            }

            string? person;
            string? personRule;
            if (trigger.Person is { } servicePerson)
            {
                (person, personRule) = ReadServicePerson(servicePerson, trigger, sink);
            }
            else
            {
                if (!identityRead)
                {
                    sink.Step = trigger.Label;
                    sink.Expression = _identity.Text;
                    identityRule = KissValueFormatter.FormatIdentity(values.ForText(_identity.Slot, _identity.Read(entity, values)), out identity) is { } rule
                        ? $"{rule} (identity {_identity.Text})"
                        : null;
                    identityRead = true;
                }

                (person, personRule) = (identity, identityRule);
            }

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

                WriteCall(template, person!, originals, sink, entity, values);
            }
        }
    }

    /// <summary>The person of <c>IdentifiedBy&lt;TService&gt;</c>, from the context's application services.</summary>
    private static (string? Person, string? Rule) ReadServicePerson(KissServicePerson source, KissTrigger<TEntity> trigger, KissCallSink sink)
    {
        var name = source.ServiceType.Name;
        object? service;
        try
        {
            service = sink.ApplicationServices?.GetService(source.ServiceType);
        }
        catch (InvalidOperationException exception)
        {
            return (null, $"the service {name} of IdentifiedBy<{name}> could not be resolved from the context's application services ({exception.GetType().Name})");
        }

        if (service is null)
        {
            return (null, $"the service {name} of IdentifiedBy<{name}> is not registered in the context's application services");
        }

        sink.Step = trigger.Label;
        sink.Expression = $"of IdentifiedBy<{name}>";
        var person = source.Read(service);
        return KissValueFormatter.FormatIdentity(person, out var text) is { } rule ? (null, $"{rule} (IdentifiedBy<{name}>)") : (text, null);
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

    private Bound Bind(IReadOnlyEntityType entityType)
        => _bound.GetOrAdd(entityType, static (type, slots) => new Bound(
            [.. slots.Select(path => KissMemberPath.Resolve((IEntityType)type, path))],
            KissOwnedChanges.HasOwned((IEntityType)type)), _slots);

    private void CaptureModified(EntityEntry entry, IKissChangeSet buffer)
    {
        var paths = Bind(entry.Metadata).Paths;
        PropertyValues? originals = null;
        PropertyValues? current = null;
        object?[]? saved = null;
        ulong changed = 0;
        for (var slot = 0; slot < Math.Min(paths.Length, MaxWatched); slot++)
        {
            if ((_watchedMask & (1UL << slot)) == 0 || paths[slot] is not { } path)
            {
                continue;
            }

            object? before;
            if (path.OnRootEntry)
            {
                // The common case, read through one pair of value snapshots per entity.
                originals ??= entry.OriginalValues;
                current ??= entry.CurrentValues;
                before = originals[path.Property!];
                if (!path.Property!.GetValueComparer().Equals(before, current[path.Property!]))
                {
                    changed |= 1UL << slot;
                }
            }
            else
            {
                before = path.IsScalar ? path.Read(entry, original: true) : null;
                if (path.Changed(entry))
                {
                    changed |= 1UL << slot;
                }
            }

            if (_needsOriginals)
            {
                saved ??= new object?[Math.Min(paths.Length, MaxWatched)];
                saved[slot] = before;
            }
        }

        // A modified entity none of whose watched members changed matters only to OnModified triggers.
        if (changed != 0 || _hasOnModified)
        {
            buffer.Add(new KissCapturedChange(this, entry, EntityState.Modified, changed, saved));
        }
    }

    private static void WriteCall(
        KissCallTemplate<TEntity> template,
        string identity,
        object?[]? originals,
        KissCallSink sink,
        TEntity entity,
        KissEntryValues values)
    {
        sink.Step = template.Description;
        var time = sink.SaveTime;
        if (template.Time is { } at)
        {
            sink.Expression = at.Text;
            if (KissValueFormatter.ToTime(at.Read(entity, values)) is not { } mapped)
            {
                sink.Skipped(template.Description, $"its time {at.Text} has no value");
                return;
            }

            time = mapped;
        }

        if (KissNameRules.CheckTime(time, sink.SaveTime) is { } timeRule)
        {
            sink.Skipped(template.Description, $"{timeRule} (check the mapping of {template.Time?.Text ?? "the clock"})");
            return;
        }

        var writer = KissCallWriter.Start(sink.Builder, template.Kind, identity);
        if (template.Kind == KissCallKind.Event)
        {
            writer.EscapedName(template.EscapedEventName!);
        }

        writer.Time(time);
        var written = 0;
        var logs = sink.LogCount;
        List<string>? names = null;
        foreach (var property in template.Properties)
        {
            sink.Expression = property.Value.Text;
            var raw = property.Original && originals is not null && property.Value.Slot >= 0
                ? originals[property.Value.Slot]
                : property.Value.Read(entity, values);
            if (!KissValueFormatter.TryFormat(values.ForText(property.Value.Slot, raw), out var text, out var valueRule))
            {
                sink.Dropped(property.Name, template.Description, $"{valueRule} ({property.Value.Text})");
                continue;
            }

            if (text is null)
            {
                continue;
            }

            if (text.Length > sink.MaxValueLength)
            {
                sink.Dropped(property.Name, template.Description, $"its value has {text.Length} characters, over the limit of {sink.MaxValueLength} (MaxPropertyValueLength)");
                continue;
            }

            writer.EscapedProperty(property.EscapedName, text);
            written++;
            if (template.Kind == KissCallKind.Set && written < template.Properties.Count)
            {
                (names ??= []).Add(property.Name);
            }
        }

        // A property set with nothing to set says nothing: not sent.
        if (template.Kind == KissCallKind.Set && written == 0)
        {
            sink.SetDropped(template.Description, logs);
            return;
        }

        IReadOnlyList<string> keyNames = written == template.Properties.Count || template.Kind == KissCallKind.Event ? template.KeyNames : names!;
        sink.Calls.Add(new KissCall(writer.ToString(), template.Description)
        {
            Person = identity,
            KeyNames = keyNames,
            Time = time.ToUnixTimeSeconds(),
        });
    }

    private void WriteAliasesOnChange(ulong changedMask, object?[]? originals, KissCallSink sink, TEntity entity, KissEntryValues values)
    {
        for (var i = 0; i < _aliasOnChange.Length; i++)
        {
            var member = _aliasOnChange[i];
            if ((changedMask & Bit(member)) == 0 || originals is null)
            {
                continue;
            }

            sink.Step = _aliasOnChangeLabels[i];
            sink.Expression = member.Text;
            WriteAlias(
                values.ForText(member.Slot, originals[member.Slot]),
                values.ForText(member.Slot, member.Read(entity, values)),
                _aliasOnChangeLabels[i],
                sink);
        }
    }

    private void WriteAliasPairs(EntityState state, ulong changedMask, KissCallSink sink, TEntity entity, KissEntryValues values)
    {
        for (var i = 0; i < _aliasPairs.Length; i++)
        {
            var (first, second) = _aliasPairs[i];
            if (state == EntityState.Modified && (changedMask & (Bit(first) | Bit(second))) == 0)
            {
                continue;
            }

            sink.Step = _aliasPairLabels[i];
            sink.Expression = first.Text;
            var a = values.ForText(first.Slot, first.Read(entity, values));
            sink.Expression = second.Text;
            var b = values.ForText(second.Slot, second.Read(entity, values));

            // "When both are set": a pair with a missing side is not an alias yet, and not an error.
            if (a is null or "" || b is null or "")
            {
                continue;
            }

            WriteAlias(a, b, _aliasPairLabels[i], sink);
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
            sink.Skipped(description, $"{fromRule} (first identity)");
            return;
        }

        if (toRule is not null)
        {
            sink.Skipped(description, $"{toRule} (second identity)");
            return;
        }

        var writer = KissCallWriter.Start(sink.Builder, KissCallKind.Alias, from!);
        writer.Name(to!);
        writer.Time(sink.SaveTime);
        sink.Calls.Add(new KissCall(writer.ToString(), description));
    }

    /// <summary>The map's member paths resolved against one EF entity type.</summary>
    /// <param name="Paths">By slot: the resolved path, or null where EF does not map it.</param>
    /// <param name="HasOwned">True when the type owns other entity types.</param>
    private sealed record Bound(KissMemberPath?[] Paths, bool HasOwned);

    /// <summary>An owned collection of a type this map applies to: how to list its items and find their owner.</summary>
    private sealed record OwnedCollection(
        IEntityType Type,
        Func<ChangeTracker, IEnumerable<EntityEntry>> Entries,
        IForeignKey Ownership,
        Func<DbContext, object?[], EntityEntry?>? FindOwner);
}
