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
/// while the outbox cannot be read) it reports no value. With tenants it reports one value per tenant database, tagged
/// <see cref="TenantTag"/>. (Direct delivery's queue has a gauge of its own.)
/// </summary>
internal sealed class KissOutboxPendingGauge(IServiceProvider services, TimeProvider time) : IKissPendingSource
{
    /// <summary>The longest time a reported outbox value is old.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(15);

    private readonly Lazy<IKissOutbox?> _outbox = new(services.GetService<IKissOutbox>);
    private Snapshot? _snapshot;
    private long _refreshStarted; // 0: never
    private int _refreshing;

    /// <summary>The tag that names the tenant of a measurement, with tenants.</summary>
    public const string TenantTag = "tenant";

    public IEnumerable<Measurement<long>> ObservePending()
        => Current() is { } snapshot ? [.. snapshot.Tables.Select(t => new Measurement<long>(t.State.PendingCalls, t.Tags))] : [];

    public IEnumerable<Measurement<double>> ObserveOldestAge()
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (Current() is not { } snapshot)
        {
            return [];
        }

        var since = Math.Max(now - snapshot.At, 0) / 1000.0;
        return [.. snapshot.Tables.Select(t => new Measurement<double>(t.State.OldestPendingAge is { } oldest ? oldest.TotalSeconds + since : 0, t.Tags))];
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
            if (await TablesAsync(outbox).ConfigureAwait(false) is { } tables)
            {
                Volatile.Write(ref _snapshot, new Snapshot(tables, time.GetUtcNow().ToUnixTimeMilliseconds()));
            }
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

    /// <summary>
    /// What to report: without tenants the totals, or nothing new when a table cannot be read; with tenants one
    /// measurement per tenant database read, tagged with the tenant KissEf enters to work it (the first one found on a
    /// database that several share, so that a sum over the tag counts each call once; a table of no tenant untagged),
    /// so that one tenant database down leaves the others' figures.
    /// </summary>
    private static async Task<IReadOnlyList<Table>?> TablesAsync(IKissOutbox outbox)
    {
        if (outbox is not KissOutboxAdmin admin)
        {
            return [new Table(await outbox.GetStateAsync(CancellationToken.None).ConfigureAwait(false), [])];
        }

        var reading = await admin.ReadAsync(CancellationToken.None).ConfigureAwait(false);
        if (reading.State.Tenants is null)
        {
            return reading.Failures.Count == 0 ? [new Table(reading.State, [])] : null;
        }

        return [.. reading.Tables.Select(t => new Table(t.State, t.Tenant is null ? [] : [new(TenantTag, t.Tenant)]))];
    }

    private sealed record Table(KissOutboxState State, KeyValuePair<string, object?>[] Tags);

    private sealed record Snapshot(IReadOnlyList<Table> Tables, long At);
}
