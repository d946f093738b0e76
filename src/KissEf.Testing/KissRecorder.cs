using KissEf.Internal.Calls;

namespace KissEf.Testing;

/// <summary>
/// The calls of committed saves, in commit order, recorded by <c>UseRecorder()</c> instead of being sent.
/// Resolve it from DI (a singleton): <c>host.Services.GetRequiredService&lt;KissRecorder&gt;()</c>.
/// Thread-safe.
/// </summary>
public sealed class KissRecorder
{
    private readonly Lock _lock = new();
    private readonly List<KissRecordedCall> _calls = [];

    internal KissRecorder()
    {
    }

    /// <summary>A snapshot of the calls recorded so far (or since <see cref="Clear"/>), oldest first.</summary>
    public IReadOnlyList<KissRecordedCall> Calls
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>Forgets every recorded call: what a test calls between its arrange and its act.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _calls.Clear();
        }
    }

    internal void Record(IReadOnlyList<KissCall> calls)
    {
        var decoded = calls.Select(c => KissCallDecoder.Decode(c.Line)).ToList();
        lock (_lock)
        {
            _calls.AddRange(decoded);
        }
    }
}
