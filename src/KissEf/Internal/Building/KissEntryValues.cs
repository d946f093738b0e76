using KissEf.Internal.Model;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.ChangeTracking.Internal;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace KissEf.Internal.Building;

/// <summary>
/// Reads an entity's member paths as saved (or, for a deleted entity, as they were): from EF's entries for what EF
/// maps, store-generated values included; the compiled map expressions fall back to the CLR object for the
/// rest. One instance per save, pointed at each change in turn.
/// </summary>
/// <remarks>
/// A value on the entity's own row is read from EF's internal entry, as <c>entry.CurrentValues[property]</c> (or
/// <c>OriginalValues</c>) reads it, without the <see cref="PropertyValues"/> object those allocate per entry nor their
/// check that the property is the entity type's (the paths are resolved against the entry's own type). That is EF's
/// internal API (EF1001): an EF upgrade that changes <c>GetCurrentValue</c> / <c>GetOriginalValue</c> shows here.
/// </remarks>
internal sealed class KissEntryValues : KissSlotValues
{
    private EntityEntry? _entry;
    private bool _original;
#pragma warning disable EF1001 // Internal EF Core API: see the remarks.
    private InternalEntityEntry? _internal;
#pragma warning restore EF1001

    /// <summary>
    /// Points at <paramref name="entry"/>; <paramref name="original"/> reads values as they were (a deleted row).
    /// Without an entry (a row read for a backfill), every value is read from the object.
    /// </summary>
    public void Reset(EntityEntry? entry, KissMemberPath?[] paths, bool original)
    {
        Point(paths, fromEntries: entry is not null);
        _entry = entry;
        _original = original;
        _internal = null;
    }

    /// <summary>The rows the save loaded through navigations the application had not loaded, if any.</summary>
    public KissLoadedRows? Loaded { get; set; }

    /// <inheritdoc/>
    public override object? Read(int slot)
    {
        var path = PathAt(slot);
        if (!path.OnRootEntry)
        {
            return KissPathReader.Read(path, _entry!, _original, Loaded);
        }

#pragma warning disable EF1001 // Internal EF Core API: see the remarks.
        var entry = _internal ??= _entry!.GetInfrastructure();
        return _original ? entry.GetOriginalValue(path.Property!) : entry.GetCurrentValue(path.Property!);
#pragma warning restore EF1001
    }
}
