namespace KissEf.Internal.Bulk;

/// <summary>The keys of one chunk of a tracked bulk operation, set without knowing their type (<see cref="KissKeyChunk{TKey}"/>).</summary>
internal interface IKissKeyChunk
{
    /// <summary>The chunk's keys, as a typed array: a query parameter of the statements restricted to them.</summary>
    Array Keys { get; }

    /// <summary>Makes <paramref name="keys"/> the chunk's keys.</summary>
    void SetKeys(List<object> keys);

    /// <summary>Makes <paramref name="key"/> the last key read: the next chunk starts after it.</summary>
    void SetLast(object key);
}
