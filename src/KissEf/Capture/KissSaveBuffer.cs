using System.Data.Common;
using KissEf.Logging;
using KissEf.Protocol;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace KissEf.Capture;

/// <summary>The state of one SaveChanges call, from SavingChanges to SavedChanges or its failure.</summary>
internal sealed class KissSaveBuffer
{
    private readonly KissCallSink _sink;
    private bool _finalized;

    public KissSaveBuffer(DateTimeOffset saveTime, DbTransaction? userTransaction, System.Transactions.Transaction? ambient, ILogger logger, int maxValueLength)
    {
        UserTransaction = userTransaction;
        Ambient = ambient;
        _sink = new KissCallSink(saveTime, logger, maxValueLength);
    }

    /// <summary>The transaction the user began before this save, if any.</summary>
    public DbTransaction? UserTransaction { get; }

    /// <summary>The ambient System.Transactions transaction this save joins, if any.</summary>
    public System.Transactions.Transaction? Ambient { get; }

    /// <summary>True once the change tracker has been snapshotted for this save.</summary>
    public bool Captured { get; set; }

    /// <summary>The AutoTransactionBehavior to restore after the save, when KissEf changed it.</summary>
    public AutoTransactionBehavior? RestoreAutoTransaction { get; set; }

    /// <summary>True when KissEf put a savepoint around this save in the user's transaction.</summary>
    public bool Guarded { get; set; }

    /// <summary>Set when EF's own transaction of this save committed.</summary>
    public bool CommittedInSave { get; set; }

    public List<KissCapturedChange> Changes { get; } = [];

    /// <summary>Calls finalized at capture time (deletions: their values cannot change any more).</summary>
    public KissCallSink Sink => _sink;

    public bool HasWork => Changes.Count > 0 || _sink.Calls.Count > 0;

    /// <summary>Turns one change into calls now; a mapping expression that throws (a null navigation, say)
    /// costs that entity's calls, never the save nor the other entities' calls.</summary>
    public void FinalizeNow(KissCapturedChange change)
    {
        var mark = _sink.Calls.Count;
        try
        {
            change.Map.Finalize(change, _sink);
        }
        catch (Exception exception)
        {
            // All or nothing per entity: drop the calls this change built before the expression threw.
            _sink.Calls.RemoveRange(mark, _sink.Calls.Count - mark);
            KissLog.CallFailed(_sink.Logger, $"calls of {change.Map.EntityName} ({change.State})", exception);
        }
    }

    /// <summary>Turns the captured changes into calls once; later calls return the same list (a retried
    /// transaction writes the same calls again).</summary>
    public IReadOnlyList<KissCall> Finalize()
    {
        if (!_finalized)
        {
            foreach (var change in Changes)
            {
                FinalizeNow(change);
            }

            _finalized = true;
        }

        return _sink.Calls;
    }
}
