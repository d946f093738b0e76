using System.Data.Common;
using KissEf.Internal.Building;
using KissEf.Internal.Calls;
using KissEf.Internal.Logging;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace KissEf.Internal.Capture;

/// <summary>
/// Where a call is born. One instance per DbContext instance (a scoped service of EF's internal provider,
/// reset when a pooled context is returned): it snapshots the changes of a save, finalizes them into calls
/// once the values are as saved, and binds them to the transaction that holds the change.
/// </summary>
/// <remarks>
/// Capture takes the final state of the save. It captures at every <c>ChangeTracker.DetectedAllChanges</c> of the
/// save (the last is EF's own DetectChanges, right after every SavingChanges interceptor, the application's
/// included), and follows the state changes made after it (EF's cascade deletes at save time, an interceptor
/// that sets an entry's state) until EF starts the save's transaction or savepoint. An application interceptor
/// that enumerates the entries (and so detects changes) costs one capture more; the change tracker is otherwise
/// scanned once.
/// </remarks>
internal sealed class KissContextTracker : ISaveChangesInterceptor, IDbTransactionInterceptor, IResettableService
{
    private const string GuardSavepoint = "__KissEfSave";

    private readonly DbContext _context;
    private readonly KissRuntime _runtime;
    private readonly EventHandler<DetectChangesEventArgs> _onDetecting;
    private readonly EventHandler<DetectedChangesEventArgs> _onDetected;
    private readonly EventHandler<EntityStateChangedEventArgs> _onStateChanged;
    private readonly bool _relational;
    private IDbContextTransactionManager? _transactionManager;
    private KissSaveBuffer? _save;
    private bool _subscribed;
    private bool _followingStates;
    private bool _creatingGuard;

    /// <param name="currentContext">The context this tracker belongs to.</param>
    /// <param name="options">Its options (KissEf's extension among them).</param>
    /// <param name="relationalTypes">Registered by relational providers only: whether the provider is relational, from
    /// a singleton. Not Database.IsRelational() nor Database.CurrentTransaction: those build the facade's dependencies,
    /// a graph of services a plain save never builds (about 6% of a single-entity save); nor options.Extensions, which
    /// sorts the extensions on every read.</param>
    public KissContextTracker(ICurrentDbContext currentContext, IDbContextOptions options, IRelationalTypeMappingSource? relationalTypes = null)
    {
        _context = currentContext.Context;
        _runtime = options.FindExtension<KissOptionsExtension>()?.Runtime
            ?? throw new InvalidOperationException("KissEf's tracker was created without UseKissTracking.");
        _relational = relationalTypes is not null;
        _onDetecting = OnDetectingAllChanges;
        _onDetected = OnDetectedAllChanges;
        _onStateChanged = OnStateChanged;
    }

    // Resolved when first needed: the connection (the relational transaction manager) depends on the interceptors,
    // this tracker among them, so it cannot be a constructor parameter.
    private IDbContextTransactionManager Transactions => _transactionManager ??= _context.GetService<IDbContextTransactionManager>();

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

    public DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        OnSaveStarted();
        return result;
    }

    public ValueTask<DbTransaction> TransactionStartedAsync(
        DbConnection connection,
        TransactionEndEventData eventData,
        DbTransaction result,
        CancellationToken cancellationToken = default)
    {
        OnSaveStarted();
        return ValueTask.FromResult(result);
    }

    public void CreatedSavepoint(DbTransaction transaction, TransactionEventData eventData)
    {
        if (!_creatingGuard)
        {
            OnSaveStarted();
        }
    }

    public Task CreatedSavepointAsync(DbTransaction transaction, TransactionEventData eventData, CancellationToken cancellationToken = default)
    {
        if (!_creatingGuard)
        {
            OnSaveStarted();
        }

        return Task.CompletedTask;
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
        _followingStates = false;
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

        // Without a host, the first save is the first chance to check the options and the maps against this model (cached).
        _runtime.EnsureConfigured();
        _runtime.Model.EnsureValid(_context.Model);
        _runtime.EnsureSupported(_context, _relational);

        try
        {
            _save = new KissSaveBuffer(
                _context,
                _runtime.Time.GetUtcNow(),
                _relational ? Transactions.CurrentTransaction?.GetDbTransaction() : null,
                System.Transactions.Transaction.Current,
                _runtime.Logger,
                _runtime.DistinctTimes,
                _runtime.MaxValueLength,
                _runtime.Metrics);
            var tracker = _context.ChangeTracker;
            tracker.StateChanged += _onStateChanged;
            _followingStates = true;
            if (tracker.AutoDetectChangesEnabled)
            {
                tracker.DetectingAllChanges += _onDetecting;
                tracker.DetectedAllChanges += _onDetected;
                _subscribed = true;
            }
            else
            {
                // EF will not detect changes in this save: what the other interceptors set through EF's entries is
                // saved, so the capture is taken again once EF starts the save's transaction or savepoint (which
                // KissEf makes sure there is, with the outbox).
                _save.CaptureAtStart = true;
                Capture(_save);
            }
        }
        catch (Exception exception)
        {
            KissLog.CaptureFailed(_runtime.Logger, _context.GetType().Name, exception);
            AbortSave();
        }
    }

    private void OnDetectingAllChanges(object? sender, DetectChangesEventArgs args)
    {
        if (_save is { Scanning: false } save)
        {
            save.Detecting = true;
        }
    }

    private void OnDetectedAllChanges(object? sender, DetectedChangesEventArgs args)
    {
        if (_save is { Scanning: false } save)
        {
            save.Detecting = false;

            // Each detection may follow changes of another interceptor: the last one is the save's final state.
            Capture(save);
        }
    }

    /// <summary>An entry's state changed after the capture (and outside a detection): capture it again.</summary>
    private void OnStateChanged(object? sender, EntityStateChangedEventArgs args)
    {
        if (_save is not { Captured: true, Scanning: false, Detecting: false } save
            || args.NewState is not (EntityState.Added or EntityState.Modified or EntityState.Deleted)
            || _runtime.Model.FindMap(args.Entry.Entity.GetType()) is not { } map)
        {
            return;
        }

        try
        {
            Scan(save, (save, map, args.Entry), static state =>
            {
                state.save.Forget(state.Entry.Entity);
                KissEntryCapture.Capture(state.map, state.Entry, state.save);
            });
            Guard(save);
        }
        catch (Exception exception)
        {
            KissLog.CaptureFailed(_runtime.Logger, _context.GetType().Name, exception);
            AbortSave();
        }
    }

    private void Capture(KissSaveBuffer save)
    {
        try
        {
            Scan(save, (save, _runtime.Model, _context.ChangeTracker), static state =>
            {
                state.save.Reset();
                KissChangeScan.Capture(state.Model, state.ChangeTracker, state.save);
            });
            save.Captured = true;
            Guard(save);
        }
        catch (Exception exception)
        {
            KissLog.CaptureFailed(_runtime.Logger, _context.GetType().Name, exception);
            AbortSave();
        }
    }

    /// <summary>Runs KissEf's reads of the change tracker without detecting changes (and capturing) again.</summary>
    private void Scan<TState>(KissSaveBuffer save, TState state, Action<TState> scan)
    {
        save.Scanning = true;
        try
        {
            KissTrackedEntries.WithoutDetection(_context.ChangeTracker, state, scan);
        }
        finally
        {
            save.Scanning = false;
        }
    }

    /// <summary>
    /// EF started the save's transaction or savepoint: its entries are what it saves. Without change detection,
    /// the capture is taken again now (another interceptor may have changed an entry's values or added one).
    /// </summary>
    private void OnSaveStarted()
    {
        StopFollowingStates();
        if (_save is { CaptureAtStart: true } save)
        {
            save.CaptureAtStart = false;
            Capture(save);
        }
    }

    /// <summary>Makes sure a save with calls to write runs in a transaction, guarded by a savepoint of ours in the user's.</summary>
    private void Guard(KissSaveBuffer save)
    {
        // Without change detection, a later capture may find calls the first did not: make room for them.
        if ((!save.HasWork && !save.CaptureAtStart) || !_runtime.Delivery.PersistsInTransaction)
        {
            return;
        }

        // The outbox's rows must commit with the change: a save EF would run without a transaction
        // (a single statement) is made to open one.
        if (_relational && save.UserTransaction is null && save.Ambient is null && save.RestoreAutoTransaction is null)
        {
            save.RestoreAutoTransaction = _context.Database.AutoTransactionBehavior;
            _context.Database.AutoTransactionBehavior = AutoTransactionBehavior.Always;
        }

        // In a user transaction the rows are written after the save, once EF has released its own savepoint:
        // a savepoint of ours around the save lets a failed write undo the save's statements too, so the
        // change never commits without its calls.
        if (!save.Guarded && save.UserTransaction is not null
            && Transactions.CurrentTransaction is { SupportsSavepoints: true } transaction)
        {
            _creatingGuard = true;
            try
            {
                transaction.CreateSavepoint(GuardSavepoint);
            }
            finally
            {
                _creatingGuard = false;
            }

            save.Guarded = true;
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
        if (save is null)
        {
            return null;
        }

        if (!save.Captured || !save.HasWork)
        {
            // A first capture had calls, a later one none: our savepoint has nothing left to guard.
            ReleaseGuard(save.Guarded);
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
        if (work.Guarded && Transactions.CurrentTransaction is { } transaction)
        {
            transaction.RollbackToSavepoint(GuardSavepoint);
            transaction.ReleaseSavepoint(GuardSavepoint);
        }
    }

    private void ReleaseGuard(bool guarded)
    {
        if (guarded && Transactions.CurrentTransaction is { } transaction)
        {
            transaction.ReleaseSavepoint(GuardSavepoint);
        }
    }

    private void Unsubscribe()
    {
        if (_subscribed)
        {
            _context.ChangeTracker.DetectingAllChanges -= _onDetecting;
            _context.ChangeTracker.DetectedAllChanges -= _onDetected;
            _subscribed = false;
        }

        StopFollowingStates();
    }

    /// <summary>EF started the save's transaction or savepoint: its entries are final until it accepts them.</summary>
    private void StopFollowingStates()
    {
        if (_followingStates)
        {
            _context.ChangeTracker.StateChanged -= _onStateChanged;
            _followingStates = false;
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
