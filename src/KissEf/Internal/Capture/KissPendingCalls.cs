using KissEf.Internal.Calls;

namespace KissEf.Internal.Capture;

/// <summary>
/// Calls made inside a user transaction, waiting for its commit. Kept keyed by the DbTransaction in a
/// ConditionalWeakTable, so a transaction disposed without commit takes its calls with it.
/// </summary>
internal sealed class KissPendingCalls
{
    private readonly List<KissCall> _calls = [];

    /// <summary>True when the outbox wrote rows in this transaction: its commit wakes the dispatcher.</summary>
    public bool Persisted { get; private set; }

    public void Add(IReadOnlyList<KissCall> calls)
    {
        lock (_calls)
        {
            _calls.AddRange(calls);
        }
    }

    public void MarkPersisted() => Persisted = true;

    public IReadOnlyList<KissCall> Take()
    {
        lock (_calls)
        {
            return [.. _calls];
        }
    }
}
