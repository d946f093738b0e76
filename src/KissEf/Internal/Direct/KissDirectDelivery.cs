using System.Data.Common;
using System.Diagnostics;
using KissEf.Internal.Calls;
using KissEf.Internal.Capture;
using KissEf.Internal.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Internal.Direct;

/// <summary>Direct delivery (opt-in): committed calls go to the in-memory queue; nothing is written to the database.</summary>
/// <remarks>The queue is resolved at the first commit: its capacity comes from the validated options (see <see cref="KissOutboxDelivery"/>).</remarks>
internal sealed class KissDirectDelivery(IServiceProvider services) : IKissDelivery
{
    private KissCallQueue? _queue;

    public bool PersistsInTransaction => false;

    public void Persist(DbContext context, DbTransaction? transaction, IReadOnlyList<KissCall> calls)
        => throw new NotSupportedException("Direct delivery writes nothing in the transaction.");

    public Task PersistAsync(DbContext context, DbTransaction? transaction, IReadOnlyList<KissCall> calls, CancellationToken cancellationToken)
        => throw new NotSupportedException("Direct delivery writes nothing in the transaction.");

    public void Committed(KissCommitOrigin origin, IReadOnlyList<KissCall> calls)
    {
        // The commit runs in the request that saved: its trace goes with the calls to their delivery span.
        var trace = Activity.Current?.Context ?? default;
        var queue = _queue ??= services.GetRequiredService<KissCallQueue>();
        foreach (var call in calls)
        {
            queue.Enqueue(call, trace, origin.TenantId);
        }
    }
}
