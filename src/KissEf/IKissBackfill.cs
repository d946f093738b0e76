using Microsoft.EntityFrameworkCore;

namespace KissEf;

/// <summary>
/// Tracks what happened before KissEf was installed, with the same maps: each existing row is replayed as if it had
/// just been inserted (its <c>OnAdded</c> calls that have their own time, <c>At(...)</c>, and its <c>Alias</c>
/// pairs). Resolve it from the application's services. With <c>UseTenants</c>, a query's rows are written into the outbox
/// of its context's tenant (<see cref="IKissTenants.GetCurrentTenantId"/> of the scope the context was created in), and
/// <see cref="EnqueueAllTenantsAsync"/> and <see cref="ExportAllTenantsAsync"/> backfill every tenant.
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

    /// <summary>
    /// With <c>UseTenants</c>: enqueues, as <see cref="EnqueueAsync{TEntity}(IQueryable{TEntity}, IProgress{KissBackfillProgress}, CancellationToken)"/>
    /// does, the rows <paramref name="rows"/> gives for each tenant (<see cref="IKissTenants.GetTenantIdsAsync"/>), one
    /// tenant after the other, each from a <typeparamref name="TContext"/> created in a scope entered for it
    /// (<see cref="IKissTenants.EnterAsync"/>), into that tenant's outbox. A tenant that fails does not stop the others:
    /// the failures are thrown together at the end (an <see cref="AggregateException"/> of one exception per tenant, naming
    /// it); run the backfill again for such a tenant with a query of its context, and it resumes after its last chunk.
    /// </summary>
    /// <typeparam name="TContext">The application's context type, registered in its services.</typeparam>
    /// <typeparam name="TEntity">A mapped entity type of a context that uses KissEf's outbox.</typeparam>
    /// <param name="rows">The rows of one tenant's context, for example <c>db =&gt; db.Customers</c>.</param>
    /// <param name="progress">Told after each chunk, with the totals of every tenant so far.</param>
    /// <param name="cancellationToken">Stops the backfill after the chunk being written.</param>
    /// <returns>The totals, and each tenant's report in <see cref="KissBackfillReport.Tenants"/>.</returns>
    /// <exception cref="InvalidOperationException">KissEf knows no tenants (no <c>UseTenants</c>).</exception>
    Task<KissBackfillReport> EnqueueAllTenantsAsync<TContext, TEntity>(
        Func<TContext, IQueryable<TEntity>> rows, IProgress<KissBackfillProgress>? progress = null, CancellationToken cancellationToken = default)
        where TContext : DbContext
        where TEntity : class;

    /// <summary>
    /// With <c>UseTenants</c>: exports, as <see cref="ExportAsync{TEntity}(IQueryable{TEntity}, Stream, IProgress{KissBackfillProgress}, CancellationToken)"/>
    /// does, the rows <paramref name="rows"/> gives for each tenant, one tenant after the other, each from a
    /// <typeparamref name="TContext"/> created in a scope entered for it, to the stream <paramref name="output"/> gives
    /// for the tenant: a file per tenant for an application with a KISSmetrics product per tenant, or the same stream
    /// for every tenant. The streams stay open: the caller owns them. A tenant that fails does not stop the others (see
    /// <see cref="EnqueueAllTenantsAsync"/>).
    /// </summary>
    /// <typeparam name="TContext">The application's context type, registered in its services.</typeparam>
    /// <typeparam name="TEntity">A mapped entity type.</typeparam>
    /// <param name="rows">The rows of one tenant's context, read in the query's order.</param>
    /// <param name="output">The stream of a tenant's lines (UTF-8), by tenant id.</param>
    /// <param name="progress">Told every <see cref="KissTrackingOptions.BackfillChunkSize"/> rows, with the totals of every tenant so far.</param>
    /// <param name="cancellationToken">Stops the export.</param>
    /// <returns>The totals, and each tenant's report in <see cref="KissBackfillReport.Tenants"/>.</returns>
    /// <exception cref="InvalidOperationException">KissEf knows no tenants (no <c>UseTenants</c>).</exception>
    Task<KissBackfillReport> ExportAllTenantsAsync<TContext, TEntity>(
        Func<TContext, IQueryable<TEntity>> rows, Func<string, Stream> output, IProgress<KissBackfillProgress>? progress = null, CancellationToken cancellationToken = default)
        where TContext : DbContext
        where TEntity : class;
}
