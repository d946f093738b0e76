namespace KissEf;

/// <summary>
/// The names KissEf's telemetry is published under, for OpenTelemetry and any other listener:
/// <c>.WithMetrics(m =&gt; m.AddMeter(KissEfDiagnostics.MeterName))</c> and
/// <c>.WithTracing(t =&gt; t.AddSource(KissEfDiagnostics.ActivitySourceName))</c>.
/// </summary>
public static class KissEfDiagnostics
{
    /// <summary>
    /// The name of KissEf's meter (<c>KissEf</c>): the counters <c>kissef.calls.captured</c>, <c>.delivered</c>,
    /// <c>.failed</c>, <c>.dead</c> and <c>.dropped</c>, the histogram <c>kissef.delivery.latency</c> and the outbox
    /// gauges <c>kissef.outbox.pending</c> and <c>kissef.outbox.oldest_pending_age</c>.
    /// </summary>
    public const string MeterName = "KissEf";

    /// <summary>
    /// The name of KissEf's activity source (<c>KissEf</c>): one <c>kissef.dispatch</c> span per batch of calls sent,
    /// linked to the traces of the saves that made them.
    /// </summary>
    public const string ActivitySourceName = "KissEf";
}
