using System.Diagnostics.Metrics;
using KissEf.Internal.Calls;

namespace KissEf.Internal.Diagnostics;

/// <summary>
/// KissEf's instruments, on the meter <c>KissEf</c> created through the application's <see cref="IMeterFactory"/>.
/// Counters are tagged <c>kind</c>: the call's path letter (<c>e</c>, <c>s</c>, <c>a</c>).
/// </summary>
internal sealed class KissMetrics
{
    /// <summary>The meter name (public as <see cref="KissEfDiagnostics.MeterName"/>).</summary>
    public const string MeterName = KissEfDiagnostics.MeterName;

    /// <summary>The <c>reason</c> of a call not sent because a value made it invalid (log 1001).</summary>
    public const string InvalidCall = "invalid_call";

    /// <summary>The <c>reason</c> of a property set not sent because every property it had was left out (log 1002).</summary>
    public const string InvalidProperties = "invalid_properties";

    /// <summary>The <c>reason</c> of calls lost to a map expression that threw (log 1003).</summary>
    public const string MapError = "map_error";

    /// <summary>The <c>reason</c> of a call dropped by direct delivery's full queue (log 2003).</summary>
    public const string QueueFull = "queue_full";

    private static readonly KeyValuePair<string, object?> Event = new("kind", "e");
    private static readonly KeyValuePair<string, object?> Set = new("kind", "s");
    private static readonly KeyValuePair<string, object?> Alias = new("kind", "a");
    private static readonly KeyValuePair<string, object?> Unknown = new("kind", "unknown");

    private readonly Counter<long> _captured;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _dead;
    private readonly Counter<long> _dropped;
    private readonly Histogram<double> _latency;

    public KissMetrics(IMeterFactory meters, IKissPendingSource pending)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _captured = meter.CreateCounter<long>("kissef.calls.captured", "{call}", "Calls built from the changes of saves.");
        _delivered = meter.CreateCounter<long>("kissef.calls.delivered", "{call}", "Calls the endpoint accepted.");
        _failed = meter.CreateCounter<long>("kissef.calls.failed", "{call}", "Delivery attempts that failed (an error status, a network error or a timeout).");
        _dead = meter.CreateCounter<long>("kissef.calls.dead", "{call}", "Calls given up: kept as dead outbox rows, or lost by direct delivery.");
        _dropped = meter.CreateCounter<long>("kissef.calls.dropped", "{call}", "Calls not sent because of bad data at save time, or a full queue.");
        _latency = meter.CreateHistogram(
            "kissef.delivery.latency",
            "s",
            "Time from the commit to the endpoint's success response.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600] });
        meter.CreateObservableGauge("kissef.outbox.pending", pending.ObservePending, "{call}", "Calls waiting to be delivered.");
        meter.CreateObservableGauge("kissef.outbox.oldest_pending_age", pending.ObserveOldestAge, "s", "How long the oldest waiting call has waited.");
    }

    /// <summary>Counts the calls a save built (called once per save, when its calls are final).</summary>
    public void Captured(IReadOnlyList<KissCall> calls)
    {
        if (_captured.Enabled)
        {
            foreach (var call in calls)
            {
                _captured.Add(1, KindOfLine(call.Line[0]));
            }
        }
    }

    /// <summary>Counts a call a save did not send (<paramref name="call"/>: its description, as logged).</summary>
    public void Dropped(string call, string reason) => Dropped(KindOfDescription(call), reason);

    public void Dropped(KissCall call, string reason) => Dropped(KindOfLine(call.Line[0]), reason);

    public void Delivered(char kind, double latencySeconds)
    {
        var tag = KindOfLine(kind);
        _delivered.Add(1, tag);
        _latency.Record(Math.Max(latencySeconds, 0), tag);
    }

    public void Failed(char kind) => _failed.Add(1, KindOfLine(kind));

    public void Dead(char kind) => _dead.Add(1, KindOfLine(kind));

    /// <summary>Counts the calls of an outbox row's text as dead (its trace line is not a call).</summary>
    public void Dead(string calls)
    {
        var start = KissTraceContext.BodyStart(calls);
        while (start < calls.Length)
        {
            _dead.Add(1, KindOfLine(calls[start]));
            var end = calls.IndexOf('\n', start);
            start = end < 0 ? calls.Length : end + 1;
        }
    }

    private void Dropped(KeyValuePair<string, object?> kind, string reason) => _dropped.Add(1, kind, new KeyValuePair<string, object?>("reason", reason));

    private static KeyValuePair<string, object?> KindOfLine(char letter) => letter switch
    {
        'e' => Event,
        's' => Set,
        'a' => Alias,
        _ => Unknown,
    };

    // Descriptions are "/e …", "/s …" or "alias (/a) …"; a trigger's label ("calls of …", a failed identity) names no one kind.
    private static KeyValuePair<string, object?> KindOfDescription(string description)
        => description.StartsWith("/e ", StringComparison.Ordinal) ? Event
            : description.StartsWith("/s ", StringComparison.Ordinal) ? Set
            : description.StartsWith("alias (/a)", StringComparison.Ordinal) ? Alias
            : Unknown;
}
