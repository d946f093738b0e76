using System.Data.Common;
using KissEf.Internal.Calls;
using KissEf.Internal.Building;
using KissEf.Internal.Protocol;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace KissEf.Internal.Capture;

/// <summary>The state of one SaveChanges call, from SavingChanges to SavedChanges or its failure.</summary>
internal sealed class KissSaveBuffer : IKissChangeSet
{
    private readonly DbContext _context;
    private readonly DateTimeOffset _saveTime;
    private readonly ILogger _logger;
    private readonly int _maxValueLength;
    private readonly KissEf.Internal.Diagnostics.KissMetrics? _metrics;
    private readonly KissDistinctTimes _times;
    private KissCallSink? _sinkOrNull;
    private bool _finalized;

    // Most saves of a tracked context change nothing that is mapped: the sink is made when a call is built.
    private KissCallSink CallSink => _sinkOrNull ??= new KissCallSink(_context, _saveTime, _logger, _maxValueLength, _metrics);

    public KissSaveBuffer(
        DbContext context,
        DateTimeOffset saveTime,
        DbTransaction? userTransaction,
        System.Transactions.Transaction? ambient,
        ILogger logger,
        KissDistinctTimes times,
        int maxValueLength,
        KissEf.Internal.Diagnostics.KissMetrics? metrics)
    {
        UserTransaction = userTransaction;
        Ambient = ambient;
        _context = context;
        _saveTime = saveTime;
        _logger = logger;
        _maxValueLength = maxValueLength;
        _metrics = metrics;
        _times = times;
    }

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

    /// <summary>True when KissEf put a savepoint around this save in the user's transaction.</summary>
    public bool Guarded { get; set; }

    /// <summary>Set when EF's own transaction of this save committed.</summary>
    public bool CommittedInSave { get; set; }

    public List<KissCapturedChange> Changes { get; } = [];

    public bool HasWork => Changes.Count > 0;

    /// <summary>Forgets the capture: the change tracker is about to be captured again.</summary>
    public void Reset() => Changes.Clear();

    /// <summary>Forgets what was captured of <paramref name="entity"/> (its state changed after the capture).</summary>
    public void Forget(object entity) => Changes.RemoveAll(c => ReferenceEquals(c.Entry.Entity, entity));

    /// <summary>True when a change of <paramref name="entity"/> is captured.</summary>
    public bool Contains(object entity) => Changes.Exists(c => ReferenceEquals(c.Entry.Entity, entity));

    /// <summary>Adds an addition or modification; its calls are built from the values as saved, at the end.</summary>
    public void Add(KissCapturedChange change) => Changes.Add(change);

    /// <summary>Adds a deletion, building its calls now, from the values as they were.</summary>
    public void AddDeleted(KissCapturedChange change)
    {
        var calls = CallSink.Calls.Count;
        var logs = CallSink.LogCount;
        Build(change);
        change.Calls = CallSink.Calls.GetRange(calls, CallSink.Calls.Count - calls);
        CallSink.Calls.RemoveRange(calls, CallSink.Calls.Count - calls);
        change.Logs = CallSink.TakeLogs(logs);
        Changes.Add(change);
    }

    /// <summary>Turns the captured changes into calls once; later calls return the same list (a retried
    /// transaction writes the same calls again).</summary>
    public IReadOnlyList<KissCall> Finalize()
    {
        if (!_finalized)
        {
            foreach (var change in Changes)
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

            _times.Assign(CallSink.Calls, CallSink.SaveTime);
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
