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

    /// <summary>
    /// Whether a save of <paramref name="context"/> that EF runs as one command outside any transaction can write its rows
    /// in that command (<see cref="WriteInCommand"/>): its database runs a command's statements as one implicit
    /// transaction, and the outbox table of that database has taken rows before (so that a missing table is reported by
    /// <see cref="Persist"/>'s explained error, not by the database's own).
    /// </summary>
    bool CanWriteInCommand(DbContext context) => false;

    /// <summary>Adds the INSERT of <paramref name="calls"/> to <paramref name="command"/>, EF's command of the save.</summary>
    void WriteInCommand(DbContext context, DbCommand command, IReadOnlyList<KissCall> calls)
        => throw new NotSupportedException($"{GetType().Name} does not write in EF's command.");

    /// <summary>The transaction holding <paramref name="calls"/> committed: send them (or wake the sender).</summary>
    void Committed(KissCommitOrigin origin, IReadOnlyList<KissCall> calls);
}
