using System.Collections.Concurrent;
using KissEf.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Outbox;

/// <summary>
/// The outbox's queries, run through a context of the dispatcher's own: claim with a lease, delete what was
/// delivered, reschedule or bury what failed (a refused call on its own), and the operator's counts. Claims are one
/// UPDATE guarded by the lease, so two instances on one database never hold the same row.
/// </summary>
internal static class KissOutboxStore
{
    // The claim SQL of each model's provider, or null for the portable claim: chosen once per model.
    private static readonly ConcurrentDictionary<IModel, string?> ClaimSqls = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// Leases up to <paramref name="batch"/> due rows to <paramref name="owner"/> until <paramref name="leaseUntil"/>:
    /// with the provider's claim SQL if it has one (<see cref="KissOutboxProvider.ClaimSql"/>), else the portable claim.
    /// </summary>
    public static Task<List<KissOutboxMessage>> ClaimAsync(
        IKissOutboxProviders providers, DbContext db, string owner, long now, long leaseUntil, int batch, CancellationToken cancellationToken)
        => ClaimSqls.GetOrAdd(db.Model, static (_, a) => a.Providers.For(a.Db).ClaimSql(KissOutboxNames.Of(a.Db)), (Providers: providers, Db: db)) is { } sql
            ? ClaimWithSqlAsync(db, sql, owner, now, leaseUntil, batch, cancellationToken)
            : ClaimPortableAsync(db, owner, now, leaseUntil, batch, cancellationToken);

    /// <summary>Runs a provider's claim SQL: it leases the rows and returns them, in id order.</summary>
    private static async Task<List<KissOutboxMessage>> ClaimWithSqlAsync(
        DbContext db, string sql, string owner, long now, long leaseUntil, int batch, CancellationToken cancellationToken)
    {
        // Without query filters: EF would compose a filter's WHERE over the UPDATE, which it cannot ("'FromSql' or
        // 'SqlQuery' was called with non-composable SQL and with a query composing over it").
        var rows = await db.Set<KissOutboxMessage>()
            .FromSqlRaw(sql, owner, leaseUntil, now, batch)
            .IgnoreQueryFilters()
            .AsNoTracking()
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
        rows.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return rows;
    }

    /// <summary>
    /// The claim any relational provider runs: a read, then an UPDATE of the first due rows whose lease has ended. On
    /// a database with row locks, concurrent claims may wait on each other (they never take the same row).
    /// </summary>
    public static async Task<List<KissOutboxMessage>> ClaimPortableAsync(DbContext db, string owner, long now, long leaseUntil, int batch, CancellationToken cancellationToken)
    {
        var rows = KissOwnContext.RowsOf(db);
        var due = rows
            .Where(r => r.DeadAt == null && r.NextAttemptAt <= now && r.LeaseExpiresAt <= now)
            .OrderBy(r => r.Id)
            .Take(batch)
            .Select(r => r.Id);

        // A read first: SQLite has one writer, and an UPDATE that finds nothing would still wait for the lock
        // that an application's open write transaction holds.
        if (!await rows.AnyAsync(r => r.DeadAt == null && r.NextAttemptAt <= now && r.LeaseExpiresAt <= now, cancellationToken).ConfigureAwait(false))
        {
            return [];
        }

        // The lease condition stands again outside the subquery: under row locking (PostgreSQL's READ
        // COMMITTED, say) an UPDATE that waited for another claim re-checks its own WHERE on the new row
        // version, not the subquery's, and so skips the rows the other instance just claimed.
        var claimed = await rows
            .Where(r => due.Contains(r.Id) && r.DeadAt == null && r.LeaseExpiresAt <= now)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.LeaseOwner, owner).SetProperty(r => r.LeaseExpiresAt, leaseUntil), cancellationToken)
            .ConfigureAwait(false);
        if (claimed == 0)
        {
            return [];
        }

        return await rows.AsNoTracking()
            .Where(r => r.LeaseOwner == owner && r.LeaseExpiresAt == leaseUntil)
            .OrderBy(r => r.Id)
            .ToListAsync(cancellationToken)
            .ConfigureAwait(false);
    }

    public static Task<int> DeleteAsync(DbContext db, string owner, IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
        => KissOwnContext.RowsOf(db)
            .Where(r => r.LeaseOwner == owner && ids.Contains(r.Id))
            .ExecuteDeleteAsync(cancellationToken);

    public static Task<int> RescheduleAsync(
        DbContext db,
        string owner,
        KissOutboxMessage row,
        string calls,
        int callCount,
        long nextAttemptAt,
        string error,
        long? deadAt,
        CancellationToken cancellationToken)
        => KissOwnContext.RowsOf(db)
            .Where(r => r.Id == row.Id && r.LeaseOwner == owner)
            .ExecuteUpdateAsync(
                s => s.SetProperty(r => r.Calls, calls)
                    .SetProperty(r => r.CallCount, callCount)
                    .SetProperty(r => r.Attempts, row.Attempts + 1)
                    .SetProperty(r => r.NextAttemptAt, nextAttemptAt)
                    .SetProperty(r => r.LeaseOwner, (string?)null)
                    .SetProperty(r => r.LeaseExpiresAt, 0L)
                    .SetProperty(r => r.LastError, error)
                    .SetProperty(r => r.DeadAt, deadAt),
                cancellationToken);

    /// <summary>
    /// Reschedules <paramref name="row"/> with the calls still worth trying and moves the calls the endpoint refused
    /// into a new dead row (same creation time), in one transaction: a refused call is kept for an operator without
    /// holding back the rest of its row. Returns the dead row's id, or null when the lease was lost (nothing changed).
    /// </summary>
    public static Task<long?> RescheduleAndBuryAsync(
        DbContext db,
        string owner,
        KissOutboxMessage row,
        (string Calls, int Count) pending,
        long nextAttemptAt,
        string error,
        (string Calls, int Count) refused,
        string refusal,
        long now,
        CancellationToken cancellationToken)
        => db.Database.CreateExecutionStrategy().ExecuteAsync(
            async token =>
            {
                db.ChangeTracker.Clear();
                var transaction = await db.Database.BeginTransactionAsync(token).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    if (await RescheduleAsync(db, owner, row, pending.Calls, pending.Count, nextAttemptAt, error, null, token).ConfigureAwait(false) == 0)
                    {
                        return (long?)null;
                    }

                    var dead = new KissOutboxMessage
                    {
                        Calls = refused.Calls,
                        CallCount = refused.Count,
                        CreatedAt = row.CreatedAt,
                        Attempts = row.Attempts + 1,
                        NextAttemptAt = now,
                        LastError = refusal,
                        DeadAt = now,
                    };
                    db.Add(dead);
                    await KissOwnContext.SaveOwnRowsAsync(db, token).ConfigureAwait(false);
                    await transaction.CommitAsync(token).ConfigureAwait(false);
                    return dead.Id;
                }
            },
            cancellationToken);

    /// <summary>
    /// Extends the lease of the rows <paramref name="ids"/> that <paramref name="owner"/> still holds. The rows are named
    /// by id, as <see cref="DeleteAsync"/> names them: both find them through the primary key, in id order, so a renewal
    /// beside the settle's delete waits for it rather than deadlock with it (by owner alone, the renewal scanned the
    /// whole table, in its physical order).
    /// </summary>
    public static Task<int> RenewAsync(DbContext db, string owner, IReadOnlyCollection<long> ids, long leaseUntil, CancellationToken cancellationToken)
        => KissOwnContext.RowsOf(db)
            .Where(r => r.LeaseOwner == owner && ids.Contains(r.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.LeaseExpiresAt, leaseUntil), cancellationToken);

    /// <summary>Gives back the lease of rows a stopped dispatcher did not finish, so they are due at once.</summary>
    public static Task<int> ReleaseAsync(DbContext db, string owner, CancellationToken cancellationToken)
        => KissOwnContext.RowsOf(db)
            .Where(r => r.LeaseOwner == owner)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.LeaseOwner, (string?)null).SetProperty(r => r.LeaseExpiresAt, 0L), cancellationToken);

    /// <summary>When the next pending row is due (or its lease ends), if any.</summary>
    public static async Task<long?> NextDueAsync(DbContext db, CancellationToken cancellationToken)
        => await KissOwnContext.RowsOf(db)
            .Where(r => r.DeadAt == null)
            .Select(r => (long?)(r.NextAttemptAt > r.LeaseExpiresAt ? r.NextAttemptAt : r.LeaseExpiresAt))
            .MinAsync(cancellationToken)
            .ConfigureAwait(false);
}
