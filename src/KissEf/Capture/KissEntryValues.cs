using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Capture;

/// <summary>
/// Reads an entity's members as saved: from EF's entry for mapped properties (store-generated values
/// included), else from the CLR object. One instance per save, pointed at each change in turn.
/// </summary>
internal sealed class KissEntryValues
{
    private EntityEntry? _entry;
    private IProperty?[] _properties = [];
    private PropertyValues? _current;

    public void Reset(EntityEntry entry, IProperty?[] properties)
    {
        _entry = entry;
        _properties = properties;
        _current = null;
    }

    /// <summary>The saved value of the member in <paramref name="slot"/>, or <paramref name="clrValue"/> when it is not mapped.</summary>
    public object? Read(int slot, object? clrValue)
        => _properties[slot] is { } property
            ? (_current ??= _entry!.CurrentValues)[property]
            : clrValue;
}
