using System.Diagnostics.Metrics;

namespace KissEf.Internal.Diagnostics;

/// <summary>
/// The pending gauges' source of a delivery that holds no calls of its own (the recorder): they report no value. The
/// outbox and direct delivery each register their own source over it.
/// </summary>
internal sealed class KissNoPendingSource : IKissPendingSource
{
    public IEnumerable<Measurement<long>> ObservePending() => [];

    public IEnumerable<Measurement<double>> ObserveOldestAge() => [];
}
