using System.Diagnostics.Metrics;
using KissEf.Internal.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Internal.Direct;

/// <summary>
/// Direct delivery's <c>kissef.outbox.pending</c> and <c>kissef.outbox.oldest_pending_age</c>: its in-memory queue's
/// length and the wait of the call at its head, read at each collection (no query, nothing to refresh).
/// </summary>
internal sealed class KissQueuePendingGauge(IServiceProvider services, TimeProvider time) : IKissPendingSource
{
    // Resolved at the first collection: the queue is built with the metrics that read this gauge.
    private readonly Lazy<KissCallQueue?> _queue = new(services.GetService<KissCallQueue>);

    public IEnumerable<Measurement<long>> ObservePending()
        => _queue.Value is { } queue ? [new Measurement<long>(queue.Count)] : [];

    public IEnumerable<Measurement<double>> ObserveOldestAge()
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return _queue.Value is { } queue
            ? [new Measurement<double>(queue.OldestQueuedAt is { } queued ? Math.Max(now - queued, 0) / 1000.0 : 0)]
            : [];
    }
}
