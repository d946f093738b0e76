using System.Diagnostics.Metrics;
using KissEf.Internal.Capture;
using KissEf.Internal.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Internal.Outbox;

/// <summary>
/// The outbox delivery's <c>kissef.outbox.pending</c> and <c>kissef.outbox.oldest_pending_age</c>, without a query per
/// collection: it keeps the last <see cref="IKissOutbox.GetStateAsync"/> and refreshes it in the background at most
/// every <see cref="RefreshInterval"/>, so a collector scraping every second costs one aggregate query per interval on
/// a large backlog, not one per scrape; the age goes on growing between refreshes. Until the first refresh ends (and
/// while the outbox cannot be read) it reports no value. (Direct delivery's queue has a gauge of its own.)
/// </summary>
internal sealed class KissOutboxPendingGauge(IServiceProvider services, TimeProvider time) : IKissPendingSource
{
    /// <summary>The longest time a reported outbox value is old.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(15);

    private readonly Lazy<IKissOutbox?> _outbox = new(services.GetService<IKissOutbox>);
    private Snapshot? _snapshot;
    private long _refreshStarted; // 0: never
    private int _refreshing;

    public IEnumerable<Measurement<long>> ObservePending()
        => Current() is { } snapshot ? [new Measurement<long>(snapshot.State.PendingCalls)] : [];

    public IEnumerable<Measurement<double>> ObserveOldestAge()
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (Current() is not { } snapshot)
        {
            return [];
        }

        var age = snapshot.State.OldestPendingAge is { } oldest ? oldest.TotalSeconds + (Math.Max(now - snapshot.At, 0) / 1000.0) : 0;
        return [new Measurement<double>(age)];
    }

    /// <summary>The last outbox snapshot; starts a refresh when it is older than the interval.</summary>
    private Snapshot? Current()
    {
        // Under a design-time tool no query: a meter provider collects once more when it is disposed, at the tool's end.
        if (KissDesignTime.IsActive || _outbox.Value is not { } outbox)
        {
            return null;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var last = Interlocked.Read(ref _refreshStarted);
        if ((last == 0 || now - last >= (long)RefreshInterval.TotalMilliseconds)
            && Interlocked.CompareExchange(ref _refreshing, 1, 0) == 0)
        {
            Interlocked.Exchange(ref _refreshStarted, now);
            // Off the collector's thread: an observable instrument's callback must not wait for a database.
            _ = Task.Run(() => RefreshAsync(outbox));
        }

        return Volatile.Read(ref _snapshot);
    }

    private async Task RefreshAsync(IKissOutbox outbox)
    {
        try
        {
            var state = await outbox.GetStateAsync(CancellationToken.None).ConfigureAwait(false);
            Volatile.Write(ref _snapshot, new Snapshot(state, time.GetUtcNow().ToUnixTimeMilliseconds()));
        }
#pragma warning disable CA1031 // A gauge that cannot read the outbox reports nothing new; the health check reports why.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    private sealed record Snapshot(KissOutboxState State, long At);
}
