namespace KissEf;

/// <summary>
/// Tracks what happened before KissEf was installed, with the same maps: each existing row is replayed as if it had
/// just been inserted (its <c>OnAdded</c> calls that have their own time, <c>At(...)</c>, and its <c>Alias</c>
/// pairs). Resolve it from the application's services.
/// </summary>
public interface IKissBackfill
{
    /// <summary>
    /// Writes the calls of every row of <paramref name="rows"/> to the outbox, in transactions of their own, a chunk
    /// of <see cref="KissTrackingOptions.BackfillChunkSize"/> rows at a time, at most
    /// <see cref="KissTrackingOptions.BackfillCallsPerSecond"/> calls a second; the dispatcher delivers them as usual.
    /// Rows are read in the order of their primary key; a backfill that stopped (a crash, a cancellation) resumes
    /// after the last chunk it wrote when it is run again with the same query.
    /// </summary>
    /// <typeparam name="TEntity">A mapped entity type of a context that uses KissEf's outbox.</typeparam>
    /// <param name="rows">The rows to replay, for example <c>db.Customers.Where(c =&gt; c.CreatedAt &lt; cutover)</c>.</param>
    /// <param name="cancellationToken">Stops the backfill after the chunk being written.</param>
    /// <returns>What was read, written and left out.</returns>
    Task<KissBackfillReport> EnqueueAsync<TEntity>(IQueryable<TEntity> rows, CancellationToken cancellationToken = default)
        where TEntity : class;

    /// <inheritdoc cref="EnqueueAsync{TEntity}(IQueryable{TEntity}, CancellationToken)"/>
    /// <param name="rows">The rows to replay.</param>
    /// <param name="progress">Told after each chunk.</param>
    /// <param name="cancellationToken">Stops the backfill after the chunk being written.</param>
    Task<KissBackfillReport> EnqueueAsync<TEntity>(IQueryable<TEntity> rows, IProgress<KissBackfillProgress>? progress, CancellationToken cancellationToken = default)
        where TEntity : class;

    /// <summary>
    /// Writes the calls of every row of <paramref name="rows"/> to <paramref name="output"/> in the vendor's JSON
    /// import format: one object per line, <c>"_p"</c>, <c>"_t"</c> and <c>"_n"</c> (an event), <c>"_p2"</c> (an
    /// alias) or the properties (a property set), with values formatted as KissEf sends them. The stream stays
    /// open: the caller owns it.
    /// </summary>
    /// <typeparam name="TEntity">A mapped entity type.</typeparam>
    /// <param name="rows">The rows to export, read in the query's order.</param>
    /// <param name="output">Where the lines go (UTF-8).</param>
    /// <param name="cancellationToken">Stops the export.</param>
    /// <returns>What was read, written and left out.</returns>
    Task<KissBackfillReport> ExportAsync<TEntity>(IQueryable<TEntity> rows, Stream output, CancellationToken cancellationToken = default)
        where TEntity : class;

    /// <inheritdoc cref="ExportAsync{TEntity}(IQueryable{TEntity}, Stream, CancellationToken)"/>
    /// <param name="rows">The rows to export.</param>
    /// <param name="output">Where the lines go (UTF-8).</param>
    /// <param name="progress">Told every <see cref="KissTrackingOptions.BackfillChunkSize"/> rows.</param>
    /// <param name="cancellationToken">Stops the export.</param>
    Task<KissBackfillReport> ExportAsync<TEntity>(IQueryable<TEntity> rows, Stream output, IProgress<KissBackfillProgress>? progress, CancellationToken cancellationToken = default)
        where TEntity : class;
}
