using System.Data.Common;
using KissEf.Internal.Building;
using KissEf.Internal.Calls;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace KissEf.Internal.Capture;

/// <summary>
/// The state of one SaveChanges call, from SavingChanges to SavedChanges or its failure: the transaction it is bound
/// to, how far its capture went, KissEf's savepoint around it, and the changes captured, which it turns into calls.
/// </summary>
/// <remarks>
/// One object per save (with the list of its changes, made at the first): its state and its changes are not split
/// in two, which would cost a second allocation on every save of a tracked context. The context's
/// <see cref="KissSaveCapture"/> fills it; <see cref="KissSaveRouting"/> sends what it holds where it belongs.
/// </remarks>
internal sealed class KissSaveSession : IKissChangeSet
{
    private readonly DbContext _context;
    private readonly KissRuntime _runtime;
    private readonly DateTimeOffset _saveTime;
    private static readonly List<KissCapturedChange> NoChanges = [];

    private List<KissCapturedChange>? _changes;
    private KissCallSink? _sinkOrNull;
    private bool _finalized;
    private List<KissCapturedChange>? _unprepared;
    private KissLoadedRows? _loaded;

    /// <summary>KissEf's savepoint around this save in the user's transaction. A field, not a property: the guard is a
    /// mutable struct, changed in place.</summary>
    public KissSavepointGuard Guard;

    /// <param name="context">The context saving.</param>
    /// <param name="runtime">Its KissEf.</param>
    /// <param name="transactions">The context's transaction manager; null when its provider is not relational.</param>
    public KissSaveSession(DbContext context, KissRuntime runtime, IDbContextTransactionManager? transactions)
    {
        _context = context;
        _runtime = runtime;
        _saveTime = runtime.Time.GetUtcNow();
        UserTransaction = transactions?.CurrentTransaction?.GetDbTransaction();
        Ambient = System.Transactions.Transaction.Current;
        Guard = new KissSavepointGuard(transactions);
    }

    // Most saves of a tracked context change nothing that is mapped: the sink is made when a call is built.
    private KissCallSink CallSink => _sinkOrNull ??= new KissCallSink(_context, _saveTime, _runtime.Logger, _runtime.MaxValueLength, _runtime.Metrics, _runtime.Consent);

    /// <summary>The transaction the user began before this save, if any.</summary>
    public DbTransaction? UserTransaction { get; }

    /// <summary>The ambient System.Transactions transaction this save joins, if any.</summary>
    public System.Transactions.Transaction? Ambient { get; }

    /// <summary>True once the change tracker has been snapshotted for this save.</summary>
    public bool Captured { get; set; }

    /// <summary>True while KissEf scans the change tracker (its own reads must not capture again).</summary>
    public bool Scanning { get; set; }

    /// <summary>True when the capture is to be taken again when EF starts the save's transaction or savepoint.</summary>
    public bool CaptureAtStart { get; set; }

    /// <summary>True while EF detects changes: state changes then are followed by a full capture.</summary>
    public bool Detecting { get; set; }

    /// <summary>The AutoTransactionBehavior to restore after the save, when KissEf changed it.</summary>
    public AutoTransactionBehavior? RestoreAutoTransaction { get; set; }

    /// <summary>Set when EF's own transaction of this save committed.</summary>
    public bool CommittedInSave { get; set; }

    public bool HasWork => _changes is { Count: > 0 };

    /// <summary>True when the save's rows are to travel in EF's command of the save (its only one, outside any transaction).</summary>
    public bool WritesInCommand { get; set; }

    /// <summary>Set when they did: the command committed them with the change.</summary>
    public bool WrittenInCommand { get; set; }

    /// <summary>True when the calls captured can be built before EF's command runs (<see cref="KissStoreValues"/>).</summary>
    public bool ReadsNoStoreValue => _changes is { } changes && KissStoreValues.NoneRead(changes);

    /// <summary>Forgets the capture: the change tracker is about to be captured again.</summary>
    public void Reset()
    {
        _changes?.Clear();
        _unprepared?.Clear();
    }

    /// <summary>Forgets what was captured of <paramref name="entity"/> (its state changed after the capture).</summary>
    public void Forget(object entity)
    {
        _changes?.RemoveAll(c => ReferenceEquals(c.Entry.Entity, entity));
        _unprepared?.RemoveAll(c => ReferenceEquals(c.Entry.Entity, entity));
    }

    /// <summary>True when a change of <paramref name="entity"/> is captured.</summary>
    public bool Contains(object entity) => _changes?.Exists(c => ReferenceEquals(c.Entry.Entity, entity)) is true;

    /// <summary>Adds an addition or modification; its calls are built from the values as saved, at the end.</summary>
    public void Add(KissCapturedChange change)
    {
        if (change.Map.Bind(change.Entry.Metadata).ReadsOtherRows)
        {
            (_unprepared ??= []).Add(change);
        }

        (_changes ??= []).Add(change);
    }

    /// <summary>
    /// Adds a deletion, building its calls now, from the values as they were; or, when its map reads other rows (which
    /// the save may have to load first), when the capture is <see cref="Prepare">prepared</see>.
    /// </summary>
    public void AddDeleted(KissCapturedChange change)
    {
        if (change.Map.Bind(change.Entry.Metadata).ReadsOtherRows)
        {
            Add(change);
            return;
        }

        BuildDeleted(change);
        Add(change);
    }

    /// <summary>
    /// Ends a capture: loads the rows the changes captured since the last call read through navigations the
    /// application did not load (<paramref name="load"/> false: EF's save has begun, and this context cannot query;
    /// the rows loaded at an earlier capture are used), then builds the deletions that waited for them, while their
    /// entries still hold their values. Only those changes: a state changed after the capture (a cascade) adds one.
    /// </summary>
    public void Prepare(bool load)
    {
        if (_unprepared is not { Count: > 0 } unprepared)
        {
            return;
        }

        if (load)
        {
            if (_loaded is null)
            {
                _loaded = new KissLoadedRows();
                CallSink.Values.Loaded = _loaded;
            }

            KissRowLoads.Load(_context, unprepared, _loaded, _runtime.Logger);
        }

        foreach (var change in unprepared)
        {
            if (change is { State: EntityState.Deleted, Calls: null })
            {
                BuildDeleted(change);
            }
        }

        unprepared.Clear();
    }

    /// <summary>Builds a deletion's calls now, from the values as they were: its entry is gone after the save.</summary>
    private void BuildDeleted(KissCapturedChange change)
    {
        var calls = CallSink.Calls.Count;
        var logs = CallSink.LogCount;
        Build(change);
        change.Calls = CallSink.Calls.GetRange(calls, CallSink.Calls.Count - calls);
        CallSink.Calls.RemoveRange(calls, CallSink.Calls.Count - calls);
        change.Logs = CallSink.TakeLogs(logs);
    }

    /// <summary>Turns the captured changes into calls once; later calls return the same list (a retried
    /// transaction writes the same calls again).</summary>
    public IReadOnlyList<KissCall> Finalize()
    {
        if (!_finalized)
        {
            foreach (var change in _changes ?? NoChanges)
            {
                if (change.Calls is { } built)
                {
                    CallSink.Calls.AddRange(built);
                    CallSink.AddLogs(change.Logs!);
                }
                else
                {
                    Build(change);
                }
            }

            CallSink.EndBatch(CallSink.Calls, "save");
            _runtime.DistinctTimes.Assign(CallSink.Calls, CallSink.SaveTime);
            CallSink.WriteLogs();
            _finalized = true;
            CallSink.Metrics?.Captured(CallSink.Calls);
        }

        return CallSink.Calls;
    }

    /// <summary>Turns one change into calls; a map expression that throws (a null navigation, say) costs that
    /// entity's calls, never the save nor the other entities' calls.</summary>
    private void Build(KissCapturedChange change)
    {
        var mark = CallSink.Calls.Count;
        try
        {
            change.Build(CallSink);
        }
        catch (Exception exception)
        {
            // All or nothing per entity: drop the calls this change built before the expression threw.
            CallSink.Calls.RemoveRange(mark, CallSink.Calls.Count - mark);
            CallSink.Failed(CallSink.Step, CallSink.Expression, exception);
        }
    }
}
