using System.Data.Common;
using KissEf.Internal.Calls;
using KissEf.Internal.Capture;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Testing;

/// <summary>The recorder as KissEf's delivery: nothing written in the transaction, the calls recorded at the commit.</summary>
internal sealed class KissRecorderDelivery(KissRecorder recorder) : IKissDelivery
{
    public bool PersistsInTransaction => false;

    public void Persist(DbContext context, DbTransaction? transaction, IReadOnlyList<KissCall> calls)
        => throw new NotSupportedException("The recorder writes nothing in the transaction.");

    public Task PersistAsync(DbContext context, DbTransaction? transaction, IReadOnlyList<KissCall> calls, CancellationToken cancellationToken)
        => throw new NotSupportedException("The recorder writes nothing in the transaction.");

    public void Committed(KissCommitOrigin origin, IReadOnlyList<KissCall> calls) => recorder.Record(calls);
}
