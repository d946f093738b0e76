using System.Linq.Expressions;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KissEf.Internal.Building;
using KissEf.Internal.Calls;
using KissEf.Internal.Capture;
using KissEf.Internal.Logging;
using KissEf.Internal.Model;
using KissEf.Internal.Outbox;
using KissEf.Internal.Outbox.Dispatch;
using KissEf.Internal.Protocol;
using KissEf.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KissEf.Internal.Backfill;

/// <summary>
/// Replays existing rows through their maps (<see cref="IKissBackfill"/>): into the outbox, a chunk per transaction
/// of its own with a checkpoint row beside it, or into a JSON import file.
/// </summary>
internal sealed class KissBackfill(
    IServiceProvider services,
    KissRuntime runtime,
    KissContextTypes contexts,
    IOptions<KissTrackingOptions> options,
    TimeProvider time,
    ILoggerFactory loggers) : IKissBackfill
{
    /// <summary>The lease owner that marks a checkpoint row (a dead row of no call, never sent).</summary>
    internal const string CheckpointOwner = "kissef-backfill:";

    private static readonly MethodInfo EnqueueByKeyMethod =
        typeof(KissBackfill).GetMethod(nameof(EnqueueByKeyAsync), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private static readonly MethodInfo PropertyMethod = typeof(EF).GetMethod(nameof(EF.Property))!;

    private readonly ILogger _logger = loggers.CreateLogger(KissLogCategories.Backfill);

    public Task<KissBackfillReport> EnqueueAsync<TEntity>(IQueryable<TEntity> rows, CancellationToken cancellationToken = default)
        where TEntity : class
        => EnqueueAsync(rows, null, cancellationToken);

    public Task<KissBackfillReport> EnqueueAsync<TEntity>(IQueryable<TEntity> rows, IProgress<KissBackfillProgress>? progress, CancellationToken cancellationToken = default)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(rows);

        // With tenants the rows are written into the database of the query's tenant, the tenant of its context's scope.
        var context = KissQueryContext.Of(rows);
        var tenant = context is not null && runtime.Tenants is { } tenants ? KissCommitOrigin.TenantOf(context, tenants) : null;
        return EnqueueAsync(rows, context, tenant, progress, cancellationToken);
    }

    public Task<KissBackfillReport> EnqueueAllTenantsAsync<TContext, TEntity>(
        Func<TContext, IQueryable<TEntity>> rows, IProgress<KissBackfillProgress>? progress = null, CancellationToken cancellationToken = default)
        where TContext : DbContext
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(rows);
        return ForEachTenantAsync<TContext>(
            nameof(EnqueueAllTenantsAsync),
            (db, tenant, tenantProgress, token) => EnqueueAsync(rows(db), db, tenant, tenantProgress, token),
            progress,
            cancellationToken);
    }

    public Task<KissBackfillReport> ExportAllTenantsAsync<TContext, TEntity>(
        Func<TContext, IQueryable<TEntity>> rows, Func<string, Stream> output, IProgress<KissBackfillProgress>? progress = null, CancellationToken cancellationToken = default)
        where TContext : DbContext
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(output);
        return ForEachTenantAsync<TContext>(
            nameof(ExportAllTenantsAsync),
            (db, tenant, tenantProgress, token) => ExportAsync(rows(db), output(tenant), tenantProgress, token),
            progress,
            cancellationToken);
    }

    /// <summary>Enqueues <paramref name="rows"/>, a query of <paramref name="context"/> (when known), into <paramref name="tenant"/>'s outbox.</summary>
    private async Task<KissBackfillReport> EnqueueAsync<TEntity>(
        IQueryable<TEntity> rows, DbContext? context, string? tenant, IProgress<KissBackfillProgress>? progress, CancellationToken cancellationToken)
        where TEntity : class
    {
        if (services.GetService<KissOutboxWriter>() is not { } writer || services.GetService<KissOutboxDispatcher>() is not { } dispatcher)
        {
            throw new InvalidOperationException("IKissBackfill.EnqueueAsync writes to the outbox, and KissEf is set up with UseDirectDelivery(): use ExportAsync and the vendor's import instead.");
        }

        var map = MapOf<TEntity>();
        var (contextType, entityType) = ContextOf<TEntity>(context);
        await using var own = await KissOwnContext.OpenAsync(services, contextType, runtime.Tenants, tenant, cancellationToken).ConfigureAwait(false);
        if (entityType.FindPrimaryKey() is not { Properties: [var key] })
        {
            throw new InvalidOperationException(
                $"IKissBackfill.EnqueueAsync reads {typeof(TEntity).Name} in the order of its primary key, to resume where it stopped: it needs a key of one property. Use ExportAsync for this entity.");
        }

        var run = new Run(runtime.Model, map, entityType, NewSink(rows), writer, dispatcher, contextType, Checkpoint(rows), options.Value, progress);
        var enqueue = EnqueueByKeyMethod
            .MakeGenericMethod(typeof(TEntity), key.ClrType)
            .CreateDelegate<Func<IQueryable<TEntity>, KissOwnContext, IProperty, Run, CancellationToken, Task>>(this);
        run.Tenant = tenant;
        await enqueue(rows.AsNoTracking(), own, key, run, cancellationToken).ConfigureAwait(false);
        return run.Report();
    }

    public Task<KissBackfillReport> ExportAsync<TEntity>(IQueryable<TEntity> rows, Stream output, CancellationToken cancellationToken = default)
        where TEntity : class
        => ExportAsync(rows, output, null, cancellationToken);

    public async Task<KissBackfillReport> ExportAsync<TEntity>(IQueryable<TEntity> rows, Stream output, IProgress<KissBackfillProgress>? progress, CancellationToken cancellationToken = default)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(output);
        var map = MapOf<TEntity>();
        var (contextType, entityType) = ContextOf<TEntity>(KissQueryContext.Of(rows));

        var run = new Run(runtime.Model, map, entityType, NewSink(rows), null, null, contextType, string.Empty, options.Value, progress);
        using var lines = new KissImportLines(output);
        var calls = new List<KissCall>();
        await foreach (var row in rows.AsNoTracking().AsAsyncEnumerable().WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            run.Build(row, calls);
            if (run.RowsRead % run.ChunkSize == 0)
            {
                await WriteLinesAsync(lines, run, calls, cancellationToken).ConfigureAwait(false);
            }
        }

        await WriteLinesAsync(lines, run, calls, cancellationToken).ConfigureAwait(false);
        LogDone(run);
        return run.Report();
    }

    /// <summary>
    /// Writes an export's chunk of <paramref name="calls"/> to the file, once consent had its say on the whole chunk (a
    /// consent service that failed costs the chunk's calls, as it costs a save's), and empties it.
    /// </summary>
    private static async Task WriteLinesAsync(KissImportLines lines, Run run, List<KissCall> calls, CancellationToken cancellationToken)
    {
        run.EndChunk(calls);
        foreach (var call in calls)
        {
            lines.Write(call);
        }

        run.Written(calls.Count);
        calls.Clear();
        await lines.FlushAsync(cancellationToken).ConfigureAwait(false);
        run.ReportProgress();
    }

    /// <summary>Enqueues <paramref name="rows"/> in pages ordered by <paramref name="key"/>, each after the last key written.</summary>
    private async Task EnqueueByKeyAsync<TEntity, TKey>(IQueryable<TEntity> rows, KissOwnContext own, IProperty key, Run run, CancellationToken cancellationToken)
        where TEntity : class
    {
        var entity = Expression.Parameter(typeof(TEntity), "e");
        var keyOf = Expression.Call(PropertyMethod.MakeGenericMethod(typeof(TKey)), entity, Expression.Constant(key.Name));
        var order = Expression.Lambda<Func<TEntity, TKey>>(keyOf, entity);
        var after = new After<TKey>();
        var afterFilter = Greater<TEntity, TKey>(entity, keyOf, after);
        var getter = key.GetGetter();

        var checkpoint = await own.Rows.AsNoTracking()
            .FirstOrDefaultAsync(r => r.LeaseOwner == run.CheckpointKey && r.CallCount == 0, cancellationToken).ConfigureAwait(false);
        if (checkpoint is not null)
        {
            after.Value = JsonSerializer.Deserialize<TKey>(checkpoint.Calls);
            after.Set = true;
            run.Resumed = true;
        }

        var start = time.GetTimestamp();
        var calls = new List<KissCall>();
        while (true)
        {
            var page = after.Set ? rows.Where(afterFilter) : rows;
            var batch = await page.OrderBy(order).Take(run.ChunkSize).ToListAsync(cancellationToken).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                break;
            }

            calls.Clear();
            foreach (var row in batch)
            {
                run.Build(row, calls);
            }

            run.EndChunk(calls);
            var last = (TKey)getter.GetClrValueUsingContainingEntity(batch[^1])!;
            await WriteChunkAsync(own, run, calls, JsonSerializer.Serialize(last), cancellationToken).ConfigureAwait(false);
            after.Value = last;
            after.Set = true;
            run.Written(calls.Count);
            run.ReportProgress();

            // Live traffic keeps flowing: the backfill writes no faster than its rate.
            var due = TimeSpan.FromSeconds((double)run.CallsWritten / run.Options.BackfillCallsPerSecond);
            var elapsed = time.GetElapsedTime(start);
            if (due > elapsed)
            {
                await Task.Delay(due - elapsed, time, cancellationToken).ConfigureAwait(false);
            }
        }

        // Done: nothing is left to resume.
        await own.Rows.Where(r => r.LeaseOwner == run.CheckpointKey && r.CallCount == 0).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        LogDone(run);
    }

    /// <summary>One chunk's calls and the checkpoint after it, in one transaction: both commit, or neither.</summary>
    private async Task WriteChunkAsync(KissOwnContext own, Run run, List<KissCall> calls, string lastKey, CancellationToken cancellationToken)
    {
        var db = own.Db;
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            await run.Writer!.WriteAsync(db, transaction.GetDbTransaction(), calls, now, ct).ConfigureAwait(false);
            await own.Rows.Where(r => r.LeaseOwner == run.CheckpointKey && r.CallCount == 0).ExecuteDeleteAsync(ct).ConfigureAwait(false);
            db.Add(new KissOutboxMessage
            {
                Calls = lastKey,
                CallCount = 0,
                CreatedAt = now,
                NextAttemptAt = long.MaxValue,
                LeaseOwner = run.CheckpointKey,
                LeaseExpiresAt = long.MaxValue,
                DeadAt = now,
                LastError = $"KissEf backfill checkpoint of {run.EntityType.DisplayName()}: the last key enqueued; deleted when the backfill completes, never sent",
            });
            await KissOwnContext.SaveOwnRowsAsync(db, ct).ConfigureAwait(false);
            await transaction.CommitAsync(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        db.ChangeTracker.Clear();
        run.Dispatcher!.Wake(run.ContextType, run.Tenant);
    }

    /// <summary><c>EF.Property&lt;TKey&gt;(e, key) &gt; after.Value</c>, the value a query parameter.</summary>
    private static Expression<Func<TEntity, bool>> Greater<TEntity, TKey>(ParameterExpression entity, Expression keyOf, After<TKey> after)
    {
        Expression last = Expression.Property(Expression.Constant(after), nameof(After<TKey>.Value));
        Expression greater = typeof(TKey) == typeof(string)
            ? Expression.GreaterThan(
                Expression.Call(typeof(string).GetMethod(nameof(string.Compare), [typeof(string), typeof(string)])!, keyOf, last),
                Expression.Constant(0))
            : Expression.GreaterThan(keyOf, last);
        return Expression.Lambda<Func<TEntity, bool>>(greater, entity);
    }

    private KissEntityMap MapOf<TEntity>()
        => runtime.Model.FindMap(typeof(TEntity))
            ?? throw new InvalidOperationException(
                $"{typeof(TEntity).Name} has no KissEf map, so a backfill has no call to replay: add an IKissEntityTypeConfiguration<{typeof(TEntity).Name}> " +
                $"(or kiss.Entity<{typeof(TEntity).Name}>(...)) in AddKissTracking, then backfill it.");

    /// <summary>
    /// The context type of the query's <paramref name="context"/> when it maps <typeparamref name="TEntity"/>, else the
    /// registered tracked context that maps it; and its entity type (models outlive their contexts).
    /// </summary>
    private (Type Context, IEntityType Entity) ContextOf<TEntity>(DbContext? context)
    {
        if (context?.Model.FindEntityType(typeof(TEntity)) is { } known)
        {
            return (context.GetType(), known);
        }

        foreach (var (type, _) in contexts.Tracked(services))
        {
            using var scope = services.CreateScope();
            if (((DbContext)scope.ServiceProvider.GetRequiredService(type)).Model.FindEntityType(typeof(TEntity)) is { } entity)
            {
                return (type, entity);
            }
        }

        throw new InvalidOperationException($"No DbContext registered with UseKissTracking maps {typeof(TEntity).Name}.");
    }

    /// <summary>
    /// A sink for the calls of <paramref name="rows"/>: the services its maps read come from the query's context's
    /// application services (its scope), as at a save; read before the query runs, while the context is free.
    /// </summary>
    private KissCallSink NewSink(IQueryable rows)
        => new(KissQueryContext.Of(rows) is { } context ? KissApplicationServices.Of(context) : null, time.GetUtcNow(), runtime.Logger, runtime.MaxValueLength, runtime.Consent);

    /// <summary>The checkpoint's name: the entity and the query's SQL (with its parameter values), hashed.</summary>
    private static string Checkpoint<TEntity>(IQueryable<TEntity> rows)
    {
        var text = typeof(TEntity).FullName + "\n" + rows.ToQueryString();
        return CheckpointOwner + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
    }

    /// <summary>
    /// Runs <paramref name="work"/> once per tenant (<see cref="IKissTenants.GetTenantIdsAsync"/>), one after the other,
    /// each with a <typeparamref name="TContext"/> of a scope entered for the tenant. A tenant that fails does not stop the
    /// others; once all have had their turn, the failures are thrown together, each naming its tenant.
    /// </summary>
    private async Task<KissBackfillReport> ForEachTenantAsync<TContext>(
        string method,
        Func<TContext, string, IProgress<KissBackfillProgress>?, CancellationToken, Task<KissBackfillReport>> work,
        IProgress<KissBackfillProgress>? progress,
        CancellationToken cancellationToken)
        where TContext : DbContext
    {
        var tenants = runtime.Tenants
            ?? throw new InvalidOperationException($"IKissBackfill.{method} backfills every tenant, and KissEf knows no tenants: call UseTenants<T>() in AddKissTracking, or backfill a query with EnqueueAsync or ExportAsync.");
        var ids = await tenants.GetTenantIdsAsync(cancellationToken).ConfigureAwait(false);
        var reports = new Dictionary<string, KissBackfillReport>(StringComparer.Ordinal);
        var failures = new List<Exception>();
        foreach (var id in ids.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var scope = services.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                try
                {
                    await tenants.EnterAsync(scope.ServiceProvider, id, cancellationToken).ConfigureAwait(false);
                    var db = scope.ServiceProvider.GetRequiredService<TContext>();
                    var done = Total(reports.Values, time.GetUtcNow());
                    reports[id] = await work(db, id, progress is null ? null : new TenantsProgress(done, progress), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception exception)
                {
                    failures.Add(new InvalidOperationException($"KissEf could not backfill tenant '{id}': {exception.Message}", exception));
                }
            }
        }

        if (failures.Count > 0)
        {
            throw new AggregateException(
                $"IKissBackfill.{method} failed in {failures.Count} of {ids.Count} tenant(s); the others were backfilled. Run it again for a failed tenant " +
                "with a query of a context of that tenant: an enqueue resumes after the last chunk it wrote.",
                failures);
        }

        return Total(reports.Values, time.GetUtcNow()) with { Tenants = reports };
    }

    /// <summary>The sum of <paramref name="reports"/>: rows, calls and skips added up, resumed if any was, started at the first start.</summary>
    private static KissBackfillReport Total(IEnumerable<KissBackfillReport> reports, DateTimeOffset now)
    {
        var total = new KissBackfillReport(0, 0, new Dictionary<string, long>(StringComparer.Ordinal), false, now);
        foreach (var report in reports)
        {
            total = new KissBackfillReport(
                total.RowsRead + report.RowsRead,
                total.CallsWritten + report.CallsWritten,
                Add(total.Skipped, report.Skipped),
                total.Resumed || report.Resumed,
                report.Started < total.Started ? report.Started : total.Started);
        }

        return total;
    }

    private static Dictionary<string, long> Add(IReadOnlyDictionary<string, long> a, IReadOnlyDictionary<string, long> b)
    {
        var sum = new Dictionary<string, long>(a, StringComparer.Ordinal);
        foreach (var (what, count) in b)
        {
            sum[what] = sum.GetValueOrDefault(what) + count;
        }

        return sum;
    }

    private void LogDone(Run run)
    {
        foreach (var (what, count) in run.Sink.Tally!)
        {
            KissLog.BackfillSkipped(_logger, count, what);
        }
    }

    /// <summary>A backfill of every tenant tells its caller's progress the totals so far: the tenants done, and the current one.</summary>
    private sealed class TenantsProgress(KissBackfillReport done, IProgress<KissBackfillProgress> progress) : IProgress<KissBackfillProgress>
    {
        public void Report(KissBackfillProgress value)
            => progress.Report(new KissBackfillProgress(done.RowsRead + value.RowsRead, done.CallsWritten + value.CallsWritten, Add(done.Skipped, value.Skipped)));
    }

    /// <summary>The value of the last key written: a query parameter of the next page.</summary>
    private sealed class After<TKey>
    {
        public TKey? Value { get; set; }

        public bool Set { get; set; }
    }

    /// <summary>One backfill's state: its map, counters and where its calls go.</summary>
    private sealed class Run(
        KissModel model,
        KissEntityMap map,
        IEntityType entityType,
        KissCallSink sink,
        KissOutboxWriter? writer,
        KissOutboxDispatcher? dispatcher,
        Type contextType,
        string checkpointKey,
        KissTrackingOptions options,
        IProgress<KissBackfillProgress>? progress)
    {
        public IEntityType EntityType => entityType;

        public KissCallSink Sink => sink;

        public KissOutboxWriter? Writer => writer;

        public KissOutboxDispatcher? Dispatcher => dispatcher;

        public Type ContextType => contextType;

        /// <summary>With tenants, the tenant whose outbox an enqueue writes to (its commits wake that tenant's worker).</summary>
        public string? Tenant { get; set; }

        public string CheckpointKey => checkpointKey;

        public KissTrackingOptions Options => options;

        public int ChunkSize => options.BackfillChunkSize;

        public long RowsRead { get; private set; }

        public long CallsWritten { get; private set; }

        public bool Resumed { get; set; }

        /// <summary>Builds the calls of one row into <paramref name="calls"/>; a map expression that throws costs the row's calls.</summary>
        public void Build(object row, List<KissCall> calls)
        {
            RowsRead++;
            sink.Calls.Clear();
            var type = entityType.Model.FindEntityType(row.GetType()) ?? entityType;
            try
            {
                KissCallBuilder.FromObject(model.FindMap(row.GetType()) ?? map, row, type, sink);
            }
            catch (Exception exception)
            {
                sink.Calls.Clear();
                sink.Failed(sink.Step, sink.Expression, exception);
                return;
            }

            // Within a row only: the same row gives the same seconds on every run, so a replayed chunk is harmless.
            KissDistinctTimes.AssignWithin(sink.Calls);
            calls.AddRange(sink.Calls);
        }

        /// <summary>A chunk's calls are built: consent is asked per chunk, and a service that failed costs the chunk's calls.</summary>
        public void EndChunk(List<KissCall> calls) => sink.EndBatch(calls, "chunk of a backfill");

        public void Written(int count) => CallsWritten += count;

        public void ReportProgress() => progress?.Report(new KissBackfillProgress(RowsRead, CallsWritten, new Dictionary<string, long>(sink.Tally!)));

        public KissBackfillReport Report() => new(RowsRead, CallsWritten, new Dictionary<string, long>(sink.Tally!), Resumed, sink.SaveTime);
    }
}
