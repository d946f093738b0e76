using System.Data.Common;
using KissEf.Internal.Calls;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Internal.Capture;

/// <summary>
/// Where committed calls go: the seam between capture and delivery. The outbox persists calls inside the
/// transaction and is told of the commit; direct delivery only hears of the commit.
/// </summary>
internal interface IKissDelivery
{
    /// <summary>True when calls are written in the transaction that holds the change (the outbox).</summary>
    bool PersistsInTransaction { get; }

    /// <summary>Writes <paramref name="calls"/> in <paramref name="transaction"/> (null: the connection's ambient one).</summary>
    void Persist(DbContext context, DbTransaction? transaction, IReadOnlyList<KissCall> calls);

    /// <inheritdoc cref="Persist"/>
    Task PersistAsync(DbContext context, DbTransaction? transaction, IReadOnlyList<KissCall> calls, CancellationToken cancellationToken);

    /// <summary>The transaction holding <paramref name="calls"/> committed: send them (or wake the sender).</summary>
    void Committed(KissCommitOrigin origin, IReadOnlyList<KissCall> calls);
}
