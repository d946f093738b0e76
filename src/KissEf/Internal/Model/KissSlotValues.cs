namespace KissEf.Internal.Model;

/// <summary>
/// What the compiled map expressions read the member paths EF maps from (see <see cref="KissValue{TEntity}"/>): the
/// values of one entity, by slot. Which slots EF maps is model data, known here; reading them from EF's entries is
/// Building's (<c>KissEntryValues</c>), so that the model reads no entry.
/// </summary>
internal abstract class KissSlotValues
{
    private KissMemberPath?[] _paths = [];
    private bool _fromEntries;

    /// <summary>True when EF maps the path in <paramref name="slot"/> for the current entity.</summary>
    public bool Maps(int slot) => _fromEntries && _paths[slot] is not null;

    /// <summary>The saved value of the path in <paramref name="slot"/> (only when <see cref="Maps"/>).</summary>
    public abstract object? Read(int slot);

    /// <summary>The value to format for a map value that is the path in <paramref name="slot"/>: its store value
    /// when the member is value-converted and its type has no text of its own.</summary>
    public object? ForText(int slot, object? value)
        => slot >= 0 && value is not null && _paths[slot]?.ToProvider is { } toProvider ? toProvider(value) : value;

    /// <summary>The resolved path in <paramref name="slot"/> (only when <see cref="Maps"/>).</summary>
    protected KissMemberPath PathAt(int slot) => _paths[slot]!;

    /// <summary>
    /// Points at an entity's paths; without entries (a row read for a backfill), every value is read from the object.
    /// </summary>
    protected void Point(KissMemberPath?[] paths, bool fromEntries)
    {
        _paths = paths;
        _fromEntries = fromEntries;
    }
}
