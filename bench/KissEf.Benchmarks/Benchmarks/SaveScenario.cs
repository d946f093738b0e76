namespace KissEf.Benchmarks.Benchmarks;

/// <summary>One measured save: what the context holds before SaveChanges, and how tracking is configured.</summary>
public enum SaveScenario
{
    /// <summary>1,000 new Customers, plain EF Core (baseline of 1 and 2).</summary>
    MappedOff,

    /// <summary>1,000 new Customers, KissEf with the outbox (2,000 calls written in the transaction).</summary>
    MappedOutbox,

    /// <summary>1,000 new Customers, KissEf with direct delivery, dry run, no dispatcher running (2,000 calls queued).</summary>
    MappedDirect,

    /// <summary>1,000 new Orders (no map), plain EF Core (baseline of 3).</summary>
    UnmappedOff,

    /// <summary>1,000 new Orders (no map), KissEf with the outbox on (maps exist for Customer and Visitor).</summary>
    UnmappedOn,

    /// <summary>1,000 modified Customers, plain EF Core (baseline of 4).</summary>
    ModifiedOff,

    /// <summary>1,000 modified Customers, KissEf with the outbox: OnChanged(Plan) fires for the 10% whose Plan changed.</summary>
    ModifiedOutbox,

    /// <summary>1,000 new Visitors, plain EF Core (baseline of 5).</summary>
    VisitorOff,

    /// <summary>1,000 new Visitors, KissEf with direct delivery (1,000 events with 2 properties; capture + finalize + queue).</summary>
    VisitorDirect,
}
