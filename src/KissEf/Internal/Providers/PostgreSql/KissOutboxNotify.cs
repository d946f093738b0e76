using Microsoft.EntityFrameworkCore;

namespace KissEf.Internal.Providers.PostgreSql;

/// <summary>
/// The cross-instance wake's sending side. On PostgreSQL the outbox INSERT is followed, in the same command and so in
/// the save's transaction, by a NOTIFY on the outbox table's channel: PostgreSQL delivers it to every listening
/// dispatcher when (and only if) the transaction commits, and folds the notifications of one transaction into one.
/// </summary>
internal static class KissOutboxNotify
{
    /// <summary>The SQL appended to the outbox INSERT of <paramref name="db"/>'s provider: a NOTIFY, or nothing.</summary>
    public static string Suffix(DbContext db)
        => KissOutboxProviders.Of(db) == KissOutboxProvider.PostgreSql ? "; NOTIFY " + KissOutboxProviders.Channel(db) : string.Empty;
}
