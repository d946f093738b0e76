using KissEf.Internal.Building;
using KissEf.Internal.Logging;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace KissEf.Internal.Capture;

/// <summary>
/// The capture of one context's saves (one per context, with its tracker): it opens a <see cref="KissSaveSession"/>
/// at SavingChanges, snapshots the changes into it while EF prepares the save, makes sure a save with rows to write
/// runs in a transaction, and closes it at the end of the save.
/// </summary>
/// <remarks>
/// Capture takes the final state of the save. It captures at every <c>ChangeTracker.DetectedAllChanges</c> of the
/// save (the last is EF's own DetectChanges, right after every SavingChanges interceptor, the application's
/// included), and follows the state changes made after it (EF's cascade deletes at save time, an interceptor
/// that sets an entry's state) until EF starts the save's transaction or savepoint. An application interceptor
/// that enumerates the entries (and so detects changes) costs one capture more; the change tracker is otherwise
/// scanned once.
/// </remarks>
internal sealed class KissSaveCapture
{
    private readonly DbContext _context;
    private readonly KissRuntime _runtime;
    private readonly bool _relational;

    // Subscribed at the first save with maps (a context that only reads never subscribes), and then kept: each save
    // only turns the following on and off, instead of adding and removing three handlers. EF drops the handlers of a
    // pooled context when it goes back to the pool (Reset).
    private EventHandler<DetectChangesEventArgs>? _onDetecting;
    private EventHandler<DetectedChangesEventArgs>? _onDetected;
    private EventHandler<EntityStateChangedEventArgs>? _onStateChanged;
    private IDbContextTransactionManager? _transactionManager;
    private KissSaveSession? _save;
    private bool _subscribedToDetection;
    private bool _subscribedToStates;
    private bool _followingDetection;
    private bool _followingStates;

    /// <param name="context">The context whose saves this captures.</param>
    /// <param name="runtime">Its KissEf.</param>
    /// <param name="relational">Whether its provider is relational.</param>
    public KissSaveCapture(DbContext context, KissRuntime runtime, bool relational)
    {
        _context = context;
        _runtime = runtime;
        _relational = relational;
    }

    /// <summary>The context whose saves this captures.</summary>
    public DbContext Context => _context;

    /// <summary>Its KissEf.</summary>
    public KissRuntime Runtime => _runtime;

    /// <summary>
    /// Set when the provider's command interceptor is registered for this context (PostgreSQL): a save's command is
    /// one implicit transaction, and the interceptor hands it to <see cref="KissSaveRouting.Executing"/>.
    /// </summary>
    public bool CommandWriter { get; set; }

    /// <summary>The save under way, if it has maps; null between saves.</summary>
    public KissSaveSession? Current => _save;

    // Resolved when first needed: the connection (the relational transaction manager) depends on the interceptors,
    // this context's tracker among them, so it cannot be a constructor parameter.
    private IDbContextTransactionManager Transactions => _transactionManager ??= _context.GetService<IDbContextTransactionManager>();

    /// <summary>SavingChanges: opens the save's session (when there are maps) and starts following the change tracker.</summary>
    public void Begin()
    {
        Abort();
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
            _save = new KissSaveSession(_context, _runtime, _relational ? Transactions : null);
            var tracker = _context.ChangeTracker;
            if (!_subscribedToStates)
            {
                tracker.StateChanged += _onStateChanged ??= OnStateChanged;
                _subscribedToStates = true;
            }

            _followingStates = true;
            if (tracker.AutoDetectChangesEnabled)
            {
                if (!_subscribedToDetection)
                {
                    tracker.DetectingAllChanges += _onDetecting ??= OnDetectingAllChanges;
                    tracker.DetectedAllChanges += _onDetected ??= OnDetectedAllChanges;
                    _subscribedToDetection = true;
                }

                _followingDetection = true;
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
            Abort();
        }
    }

    /// <summary>
    /// EF started the save's transaction or savepoint: its entries are what it saves. Without change detection,
    /// the capture is taken again now (another interceptor may have changed an entry's values or added one).
    /// </summary>
    public void Started()
    {
        StopFollowingStates();
        if (_save is { CaptureAtStart: true } save)
        {
            save.CaptureAtStart = false;

            // EF's save has begun: the context cannot run a query of its own now (the rows loaded at SavingChanges serve).
            Capture(save, load: false);
        }
    }

    /// <summary>EF created a savepoint: the save's own (its start), unless it is KissEf's guard being created.</summary>
    public void SavepointCreated()
    {
        if (_save is not { Guard.Creating: true })
        {
            Started();
        }
    }

    /// <summary>SavedChanges: closes the save, returning its session (null when it had no maps).</summary>
    public KissSaveSession? End()
    {
        var save = _save;
        Clear();
        return save;
    }

    /// <summary>The save failed, was cancelled or was never finished: drop its state, undo our savepoint.</summary>
    public void Abort()
    {
        _save?.Guard.ReleaseAfterFailure();
        Clear();
    }

    /// <summary>
    /// The pooled context goes back to the pool: EF clears the change tracker's handlers and the database
    /// facade's settings itself, so only our own state is dropped. (Touching the change tracker here would add
    /// it to the resettable services EF is enumerating.)
    /// </summary>
    public void Reset()
    {
        _save = null;
        _subscribedToDetection = false;
        _subscribedToStates = false;
        _followingDetection = false;
        _followingStates = false;
    }

    private void OnDetectingAllChanges(object? sender, DetectChangesEventArgs args)
    {
        if (_followingDetection && _save is { Scanning: false } save)
        {
            save.Detecting = true;
        }
    }

    private void OnDetectedAllChanges(object? sender, DetectedChangesEventArgs args)
    {
        if (_followingDetection && _save is { Scanning: false } save)
        {
            save.Detecting = false;

            // Each detection may follow changes of another interceptor: the last one is the save's final state.
            Capture(save);
        }
    }

    /// <summary>An entry's state changed after the capture (and outside a detection): capture it again.</summary>
    private void OnStateChanged(object? sender, EntityStateChangedEventArgs args)
    {
        if (!_followingStates
            || _save is not { Captured: true, Scanning: false, Detecting: false } save
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
                state.save.Prepare(load: true);
            });
            Protect(save);
        }
        catch (Exception exception)
        {
            KissLog.CaptureFailed(_runtime.Logger, _context.GetType().Name, exception);
            Abort();
        }
    }

    /// <summary>
    /// Captures the save's changes; <paramref name="load"/>: and loads the rows their calls read that the application
    /// did not load (possible until EF's save begins: it runs between the application's SavingChanges and EF's own
    /// commands, on the save's connection, in the user's transaction when there is one).
    /// </summary>
    private void Capture(KissSaveSession save, bool load = true)
    {
        try
        {
            Scan(save, (save, _runtime.Model, _context.ChangeTracker, load), static state =>
            {
                state.save.Reset();
                KissChangeScan.Capture(state.Model, state.ChangeTracker, state.save);
                state.save.Prepare(state.load);
            });
            save.Captured = true;
            Protect(save);
        }
        catch (Exception exception)
        {
            KissLog.CaptureFailed(_runtime.Logger, _context.GetType().Name, exception);
            Abort();
        }
    }

    /// <summary>Runs KissEf's reads of the change tracker without detecting changes (and capturing) again.</summary>
    private void Scan<TState>(KissSaveSession save, TState state, Action<TState> scan)
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

    /// <summary>Makes sure a save with calls to write runs in a transaction, guarded by a savepoint of ours in the user's.</summary>
    private void Protect(KissSaveSession save)
    {
        // Without change detection, a later capture may find calls the first did not: make room for them.
        if ((!save.HasWork && !save.CaptureAtStart) || !_runtime.Delivery.PersistsInTransaction)
        {
            return;
        }

        // The outbox's rows must commit with the change: a save EF would run without a transaction (a single
        // statement) is made to open one; or, where the database runs a command's statements as one implicit
        // transaction (PostgreSQL), and the calls need no value the insert makes, the rows travel in that command.
        if (_relational && save.UserTransaction is null && save.Ambient is null && save.RestoreAutoTransaction is null)
        {
            save.WritesInCommand = WritesInCommand(save);
            if (!save.WritesInCommand)
            {
                save.RestoreAutoTransaction = _context.Database.AutoTransactionBehavior;
                _context.Database.AutoTransactionBehavior = AutoTransactionBehavior.Always;
            }
        }

        if (save.UserTransaction is not null)
        {
            save.Guard.Create();
        }
    }

    /// <summary>
    /// Whether this save's rows can travel in EF's command of the save, when EF runs it as one command outside any
    /// transaction (with more than one command EF opens a transaction, and the rows are written at its commit as
    /// always): a database whose command is one implicit transaction (<see cref="CommandWriter"/>), EF left to decide
    /// (<c>WhenNeeded</c>), changes detected by EF (the capture is final before the command), and calls that read no
    /// value the insert makes.
    /// </summary>
    private bool WritesInCommand(KissSaveSession save)
        => CommandWriter
           && !save.CaptureAtStart
           && _context.Database.AutoTransactionBehavior == AutoTransactionBehavior.WhenNeeded
           && _runtime.Delivery.CanWriteInCommand(_context)
           && save.ReadsNoStoreValue;

    /// <summary>Stops following the change tracker and restores what the save changed on the context.</summary>
    private void Clear()
    {
        _followingDetection = false;
        StopFollowingStates();

        if (_save?.RestoreAutoTransaction is { } behavior)
        {
            _context.Database.AutoTransactionBehavior = behavior;
        }

        _save = null;
    }

    /// <summary>EF started the save's transaction or savepoint: its entries are final until it accepts them.</summary>
    private void StopFollowingStates()
    {
        _followingStates = false;
    }
}
