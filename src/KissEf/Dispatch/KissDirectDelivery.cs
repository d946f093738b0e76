using KissEf.Capture;
using System.Data.Common;
using KissEf.Protocol;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Dispatch;

/// <summary>Direct delivery (opt-in): committed calls go to the in-memory queue; nothing is written to the database.</summary>
internal sealed class KissDirectDelivery(KissCallQueue queue) : IKissDelivery
{
    public bool PersistsInTransaction => false;

    public void Persist(DbContext context, DbTransaction? transaction, IReadOnlyList<KissCall> calls)
        => throw new NotSupportedException("Direct delivery writes nothing in the transaction.");

    public Task PersistAsync(DbContext context, DbTransaction? transaction, IReadOnlyList<KissCall> calls, CancellationToken cancellationToken)
        => throw new NotSupportedException("Direct delivery writes nothing in the transaction.");

    public void Committed(Type contextType, IReadOnlyList<KissCall> calls)
    {
        foreach (var call in calls)
        {
            queue.Enqueue(call);
        }
    }
}
