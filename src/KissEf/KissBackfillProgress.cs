namespace KissEf;

/// <summary>How far a backfill is.</summary>
/// <param name="RowsRead">Rows read from the database (for a resumed enqueue, since it resumed).</param>
/// <param name="CallsWritten">Calls written to the outbox or to the export.</param>
/// <param name="Skipped">Calls (or properties) left out, by "call: rule" (a call without <c>At</c>, a null identity, …).</param>
public sealed record KissBackfillProgress(long RowsRead, long CallsWritten, IReadOnlyDictionary<string, long> Skipped);
