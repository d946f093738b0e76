using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace KissEf.Internal.Capture;

/// <summary>
/// Where a call is born: KissEf's interceptor of one DbContext instance (a scoped service of EF's internal provider,
/// reset when a pooled context is returned). It only turns EF's events into the steps of a save: its capture
/// (<see cref="KissSaveCapture"/>) and where its calls go (<see cref="KissSaveRouting"/>).
/// </summary>
/// <remarks>
/// EF raises each event in a sync and an async form. Both forms go one way: a step that writes takes <c>async</c> and
/// returns a <see cref="ValueTask"/>, which the sync form reads at once (it is complete: nothing awaited when
/// <c>async</c> is false); the other steps do no I/O and are called alike from both.
/// </remarks>
internal sealed class KissContextTracker : ISaveChangesInterceptor, IDbTransactionInterceptor, IResettableService
{
    private readonly KissSaveCapture _capture;
    private readonly KissSaveRouting _routing;

    /// <param name="currentContext">The context this tracker belongs to.</param>
    /// <param name="options">Its options (KissEf's extension among them).</param>
    /// <param name="relationalTypes">Registered by relational providers only: whether the provider is relational, from
    /// a singleton. Not Database.IsRelational() nor Database.CurrentTransaction: those build the facade's dependencies,
    /// a graph of services a plain save never builds (about 6% of a single-entity save); nor options.Extensions, which
    /// sorts the extensions on every read.</param>
    public KissContextTracker(ICurrentDbContext currentContext, IDbContextOptions options, IRelationalTypeMappingSource? relationalTypes = null)
    {
        var runtime = options.FindExtension<KissOptionsExtension>()?.Runtime
            ?? throw new InvalidOperationException("KissEf's tracker was created without UseKissTracking.");
        _capture = new KissSaveCapture(currentContext.Context, runtime, relational: relationalTypes is not null);
        _routing = new KissSaveRouting(_capture);
    }

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        _capture.Begin();
        return result;
    }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData,
        InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        _capture.Begin();
        return ValueTask.FromResult(result);
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Wait(_routing.SavedAsync(async: false, default));
        return result;
    }

    public async ValueTask<int> SavedChangesAsync(
        SaveChangesCompletedEventData eventData,
        int result,
        CancellationToken cancellationToken = default)
    {
        await _routing.SavedAsync(async: true, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public void SaveChangesFailed(DbContextErrorEventData eventData) => _capture.Abort();

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        _capture.Abort();
        return Task.CompletedTask;
    }

    public void SaveChangesCanceled(DbContextEventData eventData) => _capture.Abort();

    public Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        _capture.Abort();
        return Task.CompletedTask;
    }

    public InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        Wait(_routing.CommittingAsync(transaction, async: false, default));
        return result;
    }

    public async ValueTask<InterceptionResult> TransactionCommittingAsync(
        DbTransaction transaction,
        TransactionEventData eventData,
        InterceptionResult result,
        CancellationToken cancellationToken = default)
    {
        await _routing.CommittingAsync(transaction, async: true, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        _capture.Started();
        return result;
    }

    public ValueTask<DbTransaction> TransactionStartedAsync(
        DbConnection connection,
        TransactionEndEventData eventData,
        DbTransaction result,
        CancellationToken cancellationToken = default)
    {
        _capture.Started();
        return ValueTask.FromResult(result);
    }

    public void CreatedSavepoint(DbTransaction transaction, TransactionEventData eventData) => _capture.SavepointCreated();

    public Task CreatedSavepointAsync(DbTransaction transaction, TransactionEventData eventData, CancellationToken cancellationToken = default)
    {
        _capture.SavepointCreated();
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => _routing.Committed(transaction);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        _routing.Committed(transaction);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => _routing.RolledBack(transaction);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        _routing.RolledBack(transaction);
        return Task.CompletedTask;
    }

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => _routing.Failed(transaction, eventData);

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        _routing.Failed(transaction, eventData);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Called by the provider's command interceptor (<c>KissNpgsqlSaveCommand</c>) when it is made for this context: the
    /// database runs a command's statements as one implicit transaction, so a save's rows may travel in its command.
    /// </summary>
    public void WriteInSaveCommands() => _capture.CommandWriter = true;

    /// <summary>EF executes a command of a save (from the provider's command interceptor).</summary>
    public void SaveCommandExecuting(DbCommand command) => _routing.Executing(command);

    /// <summary>The pooled context goes back to the pool: only KissEf's own state of it is dropped.</summary>
    public void ResetState() => _capture.Reset();

    public Task ResetStateAsync(CancellationToken cancellationToken = default)
    {
        _capture.Reset();
        return Task.CompletedTask;
    }

    /// <summary>The sync form of a step that writes: run with <c>async</c> false, the step awaited nothing and has
    /// completed (reading it rethrows its failure).</summary>
    private static void Wait(ValueTask step)
    {
        Debug.Assert(step.IsCompleted, "A step run with async false completes before it returns.");
        step.GetAwaiter().GetResult();
    }
}
