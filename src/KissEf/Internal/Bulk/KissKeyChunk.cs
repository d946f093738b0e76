namespace KissEf.Internal.Bulk;

/// <summary>
/// The keys of one chunk, typed: the queries of a tracked bulk operation read <see cref="Values"/> and <see cref="Last"/>
/// from this object, so EF sends them as parameters and compiles each query's shape once, not once per chunk.
/// </summary>
/// <typeparam name="TKey">The CLR type of the entity's primary key.</typeparam>
internal sealed class KissKeyChunk<TKey> : IKissKeyChunk
{
    /// <summary>The keys of the rows of the chunk.</summary>
    public TKey[] Values { get; private set; } = [];

    /// <summary>The greatest key read so far.</summary>
    public TKey Last { get; private set; } = default!;

    public Array Keys => Values;

    public void SetKeys(List<object> keys)
    {
        var values = new TKey[keys.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (TKey)keys[i];
        }

        Values = values;
    }

    public void SetLast(object key) => Last = (TKey)key;
}
