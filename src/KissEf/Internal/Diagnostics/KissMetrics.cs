using System.Diagnostics.Metrics;
using KissEf.Internal.Calls;

namespace KissEf.Internal.Diagnostics;

/// <summary>
/// KissEf's instruments, on the meter <c>KissEf</c> created through the application's <see cref="IMeterFactory"/>.
/// Counters are tagged <c>kind</c>: the call's path letter (<c>e</c>, <c>s</c>, <c>a</c>), as the codec
/// (<see cref="KissCallReader"/>) reads it from the call's line.
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

    /// <summary>The <c>reason</c> of a call not written because <see cref="IKissConsent"/> refused its person (log 1010).</summary>
    public const string Consent = "consent";

    /// <summary>The <c>reason</c> of a call not written because the consent service threw or could not be resolved (log 1011).</summary>
    public const string ConsentError = "consent_error";

    private static readonly KeyValuePair<string, object?> Event = new("kind", "e");
    private static readonly KeyValuePair<string, object?> Set = new("kind", "s");
    private static readonly KeyValuePair<string, object?> Alias = new("kind", "a");
    private static readonly KeyValuePair<string, object?> Unknown = new("kind", "unknown");

    private readonly Counter<long> _captured;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _dead;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _skipped;
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
        _skipped = meter.CreateCounter<long>("kissef.calls.skipped", "{call}", "Calls not written by choice: the consent service refused their person, or could not answer.");
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
                _captured.Add(1, KindOf(call.Line));
            }
        }
    }

    /// <summary>Counts a call a save did not send (<paramref name="call"/>: its description, as logged).</summary>
    public void Dropped(string call, string reason) => Dropped(KindOfDescription(call), reason);

    public void Dropped(KissCall call, string reason) => Dropped(KindOf(call.Line), reason);

    /// <summary>Counts a call built and then not written, by choice (<paramref name="reason"/>: <see cref="Consent"/>, <see cref="ConsentError"/>).</summary>
    public void Skipped(KissCall call, string reason) => _skipped.Add(1, KindOf(call.Line), new KeyValuePair<string, object?>("reason", reason));

    /// <summary>Counts a call delivered (<paramref name="line"/>: its line) and its time since the commit.</summary>
    public void Delivered(ReadOnlySpan<char> line, double latencySeconds)
    {
        var tag = KindOf(line);
        _delivered.Add(1, tag);
        _latency.Record(Math.Max(latencySeconds, 0), tag);
    }

    public void Failed(ReadOnlySpan<char> line) => _failed.Add(1, KindOf(line));

    public void Dead(ReadOnlySpan<char> line) => _dead.Add(1, KindOf(line));

    /// <summary>Counts the calls of an outbox row's text as dead (the codec tells its calls from its trace header).</summary>
    public void DeadRow(string row)
    {
        foreach (var line in new KissOutboxRowReader(row))
        {
            _dead.Add(1, KindOf(line));
        }
    }

    private void Dropped(KeyValuePair<string, object?> kind, string reason) => _dropped.Add(1, kind, new KeyValuePair<string, object?>("reason", reason));

    private static KeyValuePair<string, object?> KindOf(ReadOnlySpan<char> line) => KissCallReader.KindOf(line) switch
    {
        KissCallKind.Event => Event,
        KissCallKind.Set => Set,
        KissCallKind.Alias => Alias,
        _ => Unknown,
    };

    // Descriptions are "/e …", "/s …" or "alias (/a) …"; a trigger's label ("calls of …", a failed identity) names no one kind.
    private static KeyValuePair<string, object?> KindOfDescription(string description)
        => description.StartsWith("/e ", StringComparison.Ordinal) ? Event
            : description.StartsWith("/s ", StringComparison.Ordinal) ? Set
            : description.StartsWith("alias (/a)", StringComparison.Ordinal) ? Alias
            : Unknown;
}
