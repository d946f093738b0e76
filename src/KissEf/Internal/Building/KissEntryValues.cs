using KissEf.Internal.Model;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace KissEf.Internal.Building;

/// <summary>
/// Reads an entity's member paths as saved (or, for a deleted entity, as they were): from EF's entries for what EF
/// maps, store-generated values included; the compiled map expressions fall back to the CLR object for the
/// rest. One instance per save, pointed at each change in turn.
/// </summary>
internal sealed class KissEntryValues : KissSlotValues
{
    private EntityEntry? _entry;
    private bool _original;
    private PropertyValues? _values;

    /// <summary>
    /// Points at <paramref name="entry"/>; <paramref name="original"/> reads values as they were (a deleted row).
    /// Without an entry (a row read for a backfill), every value is read from the object.
    /// </summary>
    public void Reset(EntityEntry? entry, KissMemberPath?[] paths, bool original)
    {
        Point(paths, fromEntries: entry is not null);
        _entry = entry;
        _original = original;
        _values = null;
    }

    /// <summary>The rows the save loaded through navigations the application had not loaded, if any.</summary>
    public KissLoadedRows? Loaded { get; set; }

    /// <inheritdoc/>
    public override object? Read(int slot)
    {
        var path = PathAt(slot);
        return path.OnRootEntry
            ? (_values ??= _original ? _entry!.OriginalValues : _entry!.CurrentValues)[path.Property!]
            : KissPathReader.Read(path, _entry!, _original, Loaded);
    }
}
