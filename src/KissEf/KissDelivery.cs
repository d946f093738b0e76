namespace KissEf;

/// <summary>How committed calls reach KISSmetrics: <see cref="KissTrackingOptions.Delivery"/>.</summary>
public enum KissDelivery
{
    /// <summary>The default: calls are written to the outbox table in the transaction of the change; a crash loses nothing.</summary>
    Outbox,

    /// <summary>Calls wait in a bounded in-memory queue after the commit; no table, but a crash loses what waits.</summary>
    Direct,
}
