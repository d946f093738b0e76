using System.Data.Common;
using KissEf.Logging;
using KissEf.Protocol;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace KissEf.Capture;

/// <summary>
/// Where a call is born. One instance per DbContext instance (a scoped service of EF's internal provider,
/// reset when a pooled context is returned): it snapshots the changes of a save, finalizes them into calls
/// once the values are as saved, and binds them to the transaction that holds the change.
/// </summary>
/// <remarks>
/// Capture waits for EF's own DetectChanges (raised as <c>ChangeTracker.DetectedAllChanges</c> right after the
/// SavingChanges interceptors), so that changes other interceptors make in SavingChanges are seen, and the
/// change tracker is scanned once.
/// </remarks>
internal sealed class KissContextTracker : ISaveChangesInterceptor, IDbTransactionInterceptor, IResettableService
{
    private const string GuardSavepoint = "__KissEfSave";

    private readonly DbContext _context;
    private readonly KissRuntime _runtime;
    private readonly EventHandler<DetectedChangesEventArgs> _onDetected;
    private readonly bool _relational;
    private KissSaveBuffer? _save;
    private bool _subscribed;

    public KissContextTracker(ICurrentDbContext currentContext, IDbContextOptions options)
    {
        _context = currentContext.Context;
        _runtime = options.FindExtension<KissOptionsExtension>()?.Runtime
            ?? throw new InvalidOperationException("KissEf's tracker was created without UseKissTracking.");
        _relational = _context.Database.IsRelational();
        _onDetected = OnDetectedAllChanges;
    }

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        BeginSave();
        return result;
    }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData,
        InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        BeginSave();
        return ValueTask.FromResult(result);
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (EndSave() is { } work)
        {
            if (work.Persist)
            {
                try
                {
                    _runtime.Delivery.Persist(_context, work.Transaction, work.Calls);
                }
                catch
                {
                    UndoSave(work);
                    throw;
                }

                ReleaseGuard(work.Guarded);
            }
            else
            {
                // Nothing to write here: the change (and, with the outbox, its rows) committed: hand the calls over.
                _runtime.Delivery.Committed(_context.GetType(), work.Calls);
            }
        }

        return result;
    }

    public async ValueTask<int> SavedChangesAsync(
        SaveChangesCompletedEventData eventData,
        int result,
        CancellationToken cancellationToken = default)
    {
        if (EndSave() is { } work)
        {
            if (work.Persist)
            {
                try
                {
                    await _runtime.Delivery.PersistAsync(_context, work.Transaction, work.Calls, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    UndoSave(work);
                    throw;
                }

                ReleaseGuard(work.Guarded);
            }
            else
            {
                // Nothing to write here: the change (and, with the outbox, its rows) committed: hand the calls over.
                _runtime.Delivery.Committed(_context.GetType(), work.Calls);
            }
        }

        return result;
    }

    public void SaveChangesFailed(DbContextErrorEventData eventData) => AbortSave();

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        AbortSave();
        return Task.CompletedTask;
    }

    public void SaveChangesCanceled(DbContextEventData eventData) => AbortSave();

    public Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        AbortSave();
        return Task.CompletedTask;
    }

    public InterceptionResult TransactionCommitting(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
    {
        if (OwnTransactionCalls() is { } calls)
        {
            _runtime.Delivery.Persist(_context, transaction, calls);
        }

        return result;
    }

    public async ValueTask<InterceptionResult> TransactionCommittingAsync(
        DbTransaction transaction,
        TransactionEventData eventData,
        InterceptionResult result,
        CancellationToken cancellationToken = default)
    {
        if (OwnTransactionCalls() is { } calls)
        {
            await _runtime.Delivery.PersistAsync(_context, transaction, calls, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
        => OnCommitted(transaction);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        OnCommitted(transaction);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData)
        => _runtime.Discard(transaction);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        _runtime.Discard(transaction);
        return Task.CompletedTask;
    }

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData)
        => OnFailed(transaction, eventData);

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        OnFailed(transaction, eventData);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The pooled context goes back to the pool: EF clears the change tracker's handlers and the database
    /// facade's settings itself, so only our own state is dropped. (Touching the change tracker here would add
    /// it to the resettable services EF is enumerating.)
    /// </summary>
    public void ResetState()
    {
        _save = null;
        _subscribed = false;
    }

    public Task ResetStateAsync(CancellationToken cancellationToken = default)
    {
        ResetState();
        return Task.CompletedTask;
    }

    private void BeginSave()
    {
        AbortSave();
        if (_runtime.Model.Maps.Count == 0)
        {
            return;
        }

        // Without a host, the first save is the first chance to check the maps against this model (cached).
        _runtime.Model.EnsureValid(_context.Model);
        _runtime.EnsureSupported(_context);

        try
        {
            _save = new KissSaveBuffer(
                _runtime.Time.GetUtcNow(),
                _relational ? _context.Database.CurrentTransaction?.GetDbTransaction() : null,
                System.Transactions.Transaction.Current,
                _runtime.Logger,
                _runtime.MaxValueLength);
            if (_context.ChangeTracker.AutoDetectChangesEnabled)
            {
                _context.ChangeTracker.DetectedAllChanges += _onDetected;
                _subscribed = true;
            }
            else
            {
                Capture(_save);
            }
        }
        catch (Exception exception)
        {
            KissLog.CaptureFailed(_runtime.Logger, _context.GetType().Name, exception);
            AbortSave();
        }
    }

    private void OnDetectedAllChanges(object? sender, DetectedChangesEventArgs args)
    {
        Unsubscribe();
        if (_save is { Captured: false } save)
        {
            Capture(save);
        }
    }

    private void Capture(KissSaveBuffer save)
    {
        try
        {
            foreach (var map in _runtime.Model.Maps)
            {
                map.Capture(_context.ChangeTracker, _runtime.Model, save);
            }

            save.Captured = true;

            // The outbox's rows must commit with the change: a save EF would run without a transaction
            // (a single statement) is made to open one.
            if (save.HasWork && _relational && _runtime.Delivery.PersistsInTransaction
                && save.UserTransaction is null && save.Ambient is null)
            {
                save.RestoreAutoTransaction = _context.Database.AutoTransactionBehavior;
                _context.Database.AutoTransactionBehavior = AutoTransactionBehavior.Always;
            }

            // In a user transaction the rows are written after the save, once EF has released its own savepoint:
            // a savepoint of ours around the save lets a failed write undo the save's statements too, so the
            // change never commits without its calls.
            if (save.HasWork && _runtime.Delivery.PersistsInTransaction && save.UserTransaction is not null
                && _context.Database.CurrentTransaction is { SupportsSavepoints: true } transaction)
            {
                transaction.CreateSavepoint(GuardSavepoint);
                save.Guarded = true;
            }
        }
        catch (Exception exception)
        {
            KissLog.CaptureFailed(_runtime.Logger, _context.GetType().Name, exception);
            AbortSave();
        }
    }

    /// <summary>The calls to persist when EF's own transaction of the current save is committing.</summary>
    private IReadOnlyList<KissCall>? OwnTransactionCalls()
        => _save is { UserTransaction: null, Ambient: null, HasWork: true } save && _runtime.Delivery.PersistsInTransaction
            ? save.Finalize()
            : null;

    private void OnCommitted(DbTransaction transaction)
    {
        if (_save is { UserTransaction: null } save)
        {
            // EF's own transaction of the current save: SavedChanges releases its calls.
            save.CommittedInSave = true;
            return;
        }

        _runtime.Committed(_context, transaction);
    }

    private void OnFailed(DbTransaction transaction, TransactionErrorEventData eventData)
    {
        if (_save is { UserTransaction: null })
        {
            return;
        }

        if (eventData.Action is "Commit" or "Rollback")
        {
            _runtime.Discard(transaction);
        }
    }

    /// <summary>Closes the current save, returning what it leaves to persist and release.</summary>
    private SaveWork? EndSave()
    {
        var save = _save;
        ClearSave();
        if (save is null || !save.Captured || !save.HasWork)
        {
            return null;
        }

        var persists = _runtime.Delivery.PersistsInTransaction;
        if (save.UserTransaction is { } transaction)
        {
            var calls = save.Finalize();
            var pending = _runtime.Pending(transaction);
            if (persists)
            {
                pending.MarkPersisted();
                if (calls.Count > 0)
                {
                    return new SaveWork(calls, Persist: true, transaction, save.Guarded);
                }

                ReleaseGuard(save.Guarded);
                return null;
            }

            pending.Add(calls);
            return null;
        }

        if (save.Ambient is { } ambient)
        {
            var calls = save.Finalize();
            _runtime.OnAmbientCommit(ambient, _context.GetType(), persists ? [] : calls);
            return persists && calls.Count > 0 ? new SaveWork(calls, Persist: true, null, Guarded: false) : null;
        }

        if (persists)
        {
            // EF's own transaction wrote the rows in TransactionCommitting; its commit wakes the sender.
            return save.CommittedInSave ? new SaveWork([], Persist: false, null, Guarded: false) : null;
        }

        // Direct delivery: SaveChanges returned, so the change is committed (with or without EF's transaction).
        return new SaveWork(save.Finalize(), Persist: false, null, Guarded: false);
    }

    /// <summary>Writing the rows failed: undo the save's statements with them.</summary>
    private void UndoSave(SaveWork work)
    {
        if (work.Guarded && _context.Database.CurrentTransaction is { } transaction)
        {
            transaction.RollbackToSavepoint(GuardSavepoint);
            transaction.ReleaseSavepoint(GuardSavepoint);
        }
    }

    private void ReleaseGuard(bool guarded)
    {
        if (guarded && _context.Database.CurrentTransaction is { } transaction)
        {
            transaction.ReleaseSavepoint(GuardSavepoint);
        }
    }

    private void Unsubscribe()
    {
        if (_subscribed)
        {
            _context.ChangeTracker.DetectedAllChanges -= _onDetected;
            _subscribed = false;
        }
    }

    /// <summary>The save failed, was cancelled or was never finished: drop its state, undo our savepoint.</summary>
    private void AbortSave()
    {
        if (_save is { Guarded: true })
        {
            try
            {
                ReleaseGuard(true);
            }
            catch (InvalidOperationException)
            {
                // The transaction is gone or broken: nothing of ours is left in it.
            }
            catch (DbException)
            {
            }
        }

        ClearSave();
    }

    private void ClearSave()
    {
        Unsubscribe();

        if (_save?.RestoreAutoTransaction is { } behavior)
        {
            _context.Database.AutoTransactionBehavior = behavior;
        }

        _save = null;
    }

    /// <summary>What a finished save leaves to do: write its calls in the transaction, or hand them to delivery now.</summary>
    /// <param name="Calls">The save's calls.</param>
    /// <param name="Persist">True to write them in <paramref name="Transaction"/> (its commit releases them later).</param>
    /// <param name="Transaction">Where to write them; null for the connection's ambient transaction.</param>
    /// <param name="Guarded">True when a savepoint of ours surrounds the save's statements.</param>
    private sealed record SaveWork(IReadOnlyList<KissCall> Calls, bool Persist, DbTransaction? Transaction, bool Guarded);
}
