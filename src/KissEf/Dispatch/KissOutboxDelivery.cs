using KissEf.Outbox;
using KissEf.Capture;
using System.Data.Common;
using KissEf.Protocol;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Dispatch;

/// <summary>The default delivery: calls are written as outbox rows in the transaction; a commit wakes the dispatcher.</summary>
internal sealed class KissOutboxDelivery(KissOutboxWriter writer, TimeProvider time, KissOutboxDispatcher dispatcher) : IKissDelivery
{
    public bool PersistsInTransaction => true;

    public void Persist(DbContext context, DbTransaction? transaction, IReadOnlyList<KissCall> calls)
        => writer.Write(context, transaction, calls, time.GetUtcNow().ToUnixTimeMilliseconds());

    public Task PersistAsync(DbContext context, DbTransaction? transaction, IReadOnlyList<KissCall> calls, CancellationToken cancellationToken)
        => writer.WriteAsync(context, transaction, calls, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);

    public void Committed(Type contextType, IReadOnlyList<KissCall> calls) => dispatcher.Wake(contextType);
}
