using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Building;

/// <summary>
/// The rows a save loaded for its calls through reference navigations the application had not loaded
/// (<c>o.Buyer</c> of an order saved without its buyer), by navigation and foreign key value. They are read without
/// tracking and used only to build calls: nothing is attached to the context, so the application sees no change.
/// One per save; a key asked for and not found is kept too, so that a capture taken again asks for it no more.
/// </summary>
internal sealed class KissLoadedRows
{
    private readonly Dictionary<INavigation, Dictionary<object, object?>> _rows = new(ReferenceEqualityComparer.Instance);

    /// <summary>True when <paramref name="key"/> was asked for through <paramref name="navigation"/> (found or not).</summary>
    public bool Asked(INavigation navigation, object key) => _rows.TryGetValue(navigation, out var rows) && rows.ContainsKey(key);

    /// <summary>Keeps the row of <paramref name="key"/> (null: no such row).</summary>
    public void Add(INavigation navigation, object key, object? row)
    {
        if (!_rows.TryGetValue(navigation, out var rows))
        {
            _rows[navigation] = rows = [];
        }

        rows[key] = row;
    }

    /// <summary>The row loaded through <paramref name="navigation"/> for <paramref name="key"/>, or null.</summary>
    public object? Find(INavigation navigation, object key)
        => _rows.TryGetValue(navigation, out var rows) && rows.TryGetValue(key, out var row) ? row : null;
}
