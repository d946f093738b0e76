using KissEf.Internal.Building;
using KissEf.Internal.Capture;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace KissEf.Internal.Bulk;

/// <summary>
/// Where a tracked bulk operation's calls go, a chunk at a time, bound to the transaction its statements run in, as a
/// save's are (<see cref="KissSaveRouting"/>): the outbox writes them in it, and its commit wakes the sender; direct
/// delivery holds them until it commits. A rollback takes them with it.
/// </summary>
internal sealed class KissBulkCallOutput(DbContext context, KissRuntime runtime)
{
    private readonly Dictionary<(ulong, IReadOnlyList<string>, long), long> _nextSeconds = [];
    private bool _ambientHooked;

    /// <summary>Sends the chunk's calls in <paramref name="sink"/> on their way and empties it.</summary>
    public async ValueTask WriteAsync(KissCallSink sink, bool async, CancellationToken cancellationToken)
    {
        var calls = sink.Calls;

        // Consent is asked per chunk: a service that failed costs this chunk's calls, and the next chunk asks again.
        sink.EndBatch(calls, "chunk of a tracked bulk operation");
        if (calls.Count > 0)
        {
            // Distinct times per person, as the calls of one save get them: the vendor counts a repeated (_p, _n, _t) once.
            runtime.DistinctTimes.Assign(calls, sink.SaveTime, _nextSeconds);
            sink.Metrics?.Captured(calls);
        }

        sink.WriteLogs();
        var transaction = context.Database.CurrentTransaction?.GetDbTransaction();
        var ambient = transaction is null ? System.Transactions.Transaction.Current : null;
        var delivery = runtime.Delivery;
        if (delivery.PersistsInTransaction)
        {
            if (calls.Count > 0)
            {
                if (async)
                {
                    await delivery.PersistAsync(context, transaction, calls, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    delivery.Persist(context, transaction, calls);
                }

                if (transaction is not null)
                {
                    runtime.Pending(transaction).MarkPersisted();
                }
                else if (ambient is not null && !_ambientHooked)
                {
                    runtime.OnAmbientCommit(ambient, runtime.Origin(context), []);
                    _ambientHooked = true;
                }
            }
        }
        else if (calls.Count > 0)
        {
            if (transaction is not null)
            {
                runtime.Pending(transaction).Add(calls);
            }
            else if (ambient is not null)
            {
                runtime.OnAmbientCommit(ambient, runtime.Origin(context), [.. calls]);
            }
        }

        calls.Clear();
    }
}
