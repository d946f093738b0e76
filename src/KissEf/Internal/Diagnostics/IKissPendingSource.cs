using System.Diagnostics.Metrics;

namespace KissEf.Internal.Diagnostics;

/// <summary>What the outbox gauges read: the delivery that holds the calls answers (each registers its own), never a table scan per collection.</summary>
internal interface IKissPendingSource
{
    IEnumerable<Measurement<long>> ObservePending();

    IEnumerable<Measurement<double>> ObserveOldestAge();
}
