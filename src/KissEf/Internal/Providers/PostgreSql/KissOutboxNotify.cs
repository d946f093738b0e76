using KissEf.Internal.Outbox;

namespace KissEf.Internal.Providers.PostgreSql;

/// <summary>
/// The cross-instance wake's sending side. On PostgreSQL the outbox INSERT is followed, in the same command and so in
/// the save's transaction, by a NOTIFY on the outbox table's channel: PostgreSQL delivers it to every listening
/// dispatcher when (and only if) the transaction commits, and folds the notifications of one transaction into one.
/// </summary>
internal static class KissOutboxNotify
{
    /// <summary>The SQL appended to the outbox INSERT: a NOTIFY on the table's channel.</summary>
    public static string Suffix(KissOutboxNames names) => "; NOTIFY " + Channel(names);

    /// <summary>
    /// The PostgreSQL channel a commit that wrote outbox rows notifies: one per outbox table (schema included), quoted.
    /// PostgreSQL delivers a NOTIFY only when its transaction commits, to listeners of the same database.
    /// </summary>
    public static string Channel(KissOutboxNames names)
        => names.Sql.DelimitIdentifier(names.Schema is null ? "kissef:" + names.Table : $"kissef:{names.Schema}.{names.Table}");
}
