namespace KissEf.Internal.Calls;

/// <summary>
/// Walks the <c>name=value</c> pairs of a call's query for <see cref="KissCallReader"/>, as spans of the line (no
/// string per pair). Empty pairs are skipped; a pair without <c>=</c> is a name with an empty value.
/// </summary>
internal ref struct KissCallParameters
{
    private ReadOnlySpan<char> _rest;

    public KissCallParameters(ReadOnlySpan<char> query) => _rest = query;

    /// <summary>The current parameter's name, percent-encoded.</summary>
    public ReadOnlySpan<char> Name { get; private set; }

    /// <summary>The current parameter's value, percent-encoded.</summary>
    public ReadOnlySpan<char> Value { get; private set; }

    /// <summary>Moves to the next parameter; false after the last.</summary>
    public bool MoveNext()
    {
        while (!_rest.IsEmpty)
        {
            var end = _rest.IndexOf('&');
            var pair = end < 0 ? _rest : _rest[..end];
            _rest = end < 0 ? [] : _rest[(end + 1)..];
            if (pair.IsEmpty)
            {
                continue;
            }

            var equals = pair.IndexOf('=');
            Name = equals < 0 ? pair : pair[..equals];
            Value = equals < 0 ? [] : pair[(equals + 1)..];
            return true;
        }

        return false;
    }
}
