using System.Diagnostics.Metrics;
using KissEf.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace KissEf.Tests.Observability;

/// <summary>
/// Every KissEf instrument of one host, read with <see cref="MetricCollector{T}"/> on the host's
/// <see cref="IMeterFactory"/> (so parallel tests, each with its own host, never see each other's measurements).
/// </summary>
public sealed class KissInstruments : IDisposable
{
    public const string Meter = "KissEf";

    public KissInstruments(IServiceProvider services)
    {
        var meters = services.GetRequiredService<IMeterFactory>();
        Captured = new(meters, Meter, "kissef.calls.captured");
        Delivered = new(meters, Meter, "kissef.calls.delivered");
        Failed = new(meters, Meter, "kissef.calls.failed");
        Dead = new(meters, Meter, "kissef.calls.dead");
        Dropped = new(meters, Meter, "kissef.calls.dropped");
        Latency = new(meters, Meter, "kissef.delivery.latency");
        Pending = new(meters, Meter, "kissef.outbox.pending");
        OldestPendingAge = new(meters, Meter, "kissef.outbox.oldest_pending_age");
    }

    public MetricCollector<long> Captured { get; }

    public MetricCollector<long> Delivered { get; }

    public MetricCollector<long> Failed { get; }

    public MetricCollector<long> Dead { get; }

    public MetricCollector<long> Dropped { get; }

    public MetricCollector<double> Latency { get; }

    public MetricCollector<long> Pending { get; }

    public MetricCollector<double> OldestPendingAge { get; }

    /// <summary>The sum of a counter's measurements per <c>kind</c>, e.g. <c>e=2 s=1</c> (kinds in order, zeros left out).</summary>
    public static string ByKind(MetricCollector<long> counter, string? reason = null)
        => string.Join(' ', counter.GetMeasurementSnapshot()
            .Where(m => reason is null || Equals(m.Tags["reason"], reason))
            .GroupBy(m => (string)m.Tags["kind"]!)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}={g.Sum(m => m.Value)}")
            .Where(s => !s.EndsWith("=0", StringComparison.Ordinal)));

    public static long Total(MetricCollector<long> counter) => counter.GetMeasurementSnapshot().Sum(m => m.Value);

    /// <summary>Collects an observable gauge until it reports <paramref name="expected"/> (its value is refreshed in the background).</summary>
    public static async Task<T> ObserveAsync<T>(MetricCollector<T> gauge, Func<T, bool> expected, TimeSpan timeout)
        where T : struct
    {
        T? reported = null;
        await OutboxCalls.EventuallyAsync(
            () =>
            {
                gauge.RecordObservableInstruments();
                reported = gauge.LastMeasurement?.Value;
                return Task.FromResult(reported is { } value && expected(value));
            },
            timeout,
            () => Task.FromResult($"{gauge.Instrument?.Name ?? "the gauge"} never reported the expected value; last: {gauge.LastMeasurement?.Value.ToString() ?? "none"}"));
        return reported!.Value;
    }

    public void Dispose()
    {
        Captured.Dispose();
        Delivered.Dispose();
        Failed.Dispose();
        Dead.Dispose();
        Dropped.Dispose();
        Latency.Dispose();
        Pending.Dispose();
        OldestPendingAge.Dispose();
    }
}
