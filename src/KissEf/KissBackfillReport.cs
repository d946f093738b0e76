namespace KissEf;

/// <summary>What a backfill did.</summary>
/// <param name="RowsRead">Rows read from the database in this run.</param>
/// <param name="CallsWritten">Calls written to the outbox or to the export.</param>
/// <param name="Skipped">Calls (or properties) left out, by "call: rule".</param>
/// <param name="Resumed">True when an enqueue resumed after the last chunk an earlier run wrote.</param>
/// <param name="Started">When the backfill started: the <c>_t</c> of its aliases, which have no time of their own.</param>
public sealed record KissBackfillReport(long RowsRead, long CallsWritten, IReadOnlyDictionary<string, long> Skipped, bool Resumed, DateTimeOffset Started)
{
    /// <summary>
    /// For a backfill of every tenant (<see cref="IKissBackfill.EnqueueAllTenantsAsync"/>,
    /// <see cref="IKissBackfill.ExportAllTenantsAsync"/>), each tenant's report by tenant id, the totals above summing them;
    /// null for a backfill of one query.
    /// </summary>
    public IReadOnlyDictionary<string, KissBackfillReport>? Tenants { get; init; }
}
