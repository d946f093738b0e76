using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace KissEf.Internal.Model;

/// <summary>
/// Reads an entity's member paths as saved (or, for a deleted entity, as they were): from EF's entries for what EF
/// maps, store-generated values included; the compiled map expressions fall back to the CLR object for the
/// rest. One instance per save, pointed at each change in turn.
/// </summary>
internal sealed class KissEntryValues
{
    private EntityEntry? _entry;
    private KissMemberPath?[] _paths = [];
    private bool _original;
    private PropertyValues? _values;

    /// <summary>
    /// Points at <paramref name="entry"/>; <paramref name="original"/> reads values as they were (a deleted row).
    /// Without an entry (a row read for a backfill), every value is read from the object.
    /// </summary>
    public void Reset(EntityEntry? entry, KissMemberPath?[] paths, bool original)
    {
        _entry = entry;
        _paths = paths;
        _original = original;
        _values = null;
    }

    /// <summary>True when EF maps the path in <paramref name="slot"/> for the current entity.</summary>
    public bool Maps(int slot) => _entry is not null && _paths[slot] is not null;

    /// <summary>The saved value of the path in <paramref name="slot"/> (only when <see cref="Maps"/>).</summary>
    public object? Read(int slot)
    {
        var path = _paths[slot]!;
        return path.OnRootEntry
            ? (_values ??= _original ? _entry!.OriginalValues : _entry!.CurrentValues)[path.Property!]
            : path.Read(_entry!, _original);
    }

    /// <summary>The value to format for a map value that is the path in <paramref name="slot"/>: its store value
    /// when the member is value-converted and its type has no text of its own.</summary>
    public object? ForText(int slot, object? value)
        => slot >= 0 && value is not null && _paths[slot]?.ToProvider is { } toProvider ? toProvider(value) : value;
}
