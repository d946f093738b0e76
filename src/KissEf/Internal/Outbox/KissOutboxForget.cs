using KissEf.Internal.Calls;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Internal.Outbox;

/// <summary>
/// <see cref="IKissOutbox.ForgetAsync"/> on one outbox table: every pending and dead row is read a page at a time (ids
/// and calls), and each row holding a call about the person is taken, rewritten without those calls (or deleted when
/// none is left) and given back.
/// </summary>
/// <remarks>
/// A row is taken the way a dispatcher claims one: its lease, when no one holds it (<c>lease_expires_at</c> past). A row
/// a dispatcher holds is passed over, then, after the pass, waited for until the dispatcher settles it (deleted if delivered, released otherwise) or its
/// lease runs out: a dispatcher sends nothing of a batch whose lease is running out (2002), and its settle is guarded by
/// its owner, so once the row is taken here no dispatcher sends it as it was. Rows are compared in memory (the person is
/// percent-encoded in the text, and compared ignoring case), so the whole table is read, in pages of
/// <see cref="Page"/> rows.
/// </remarks>
internal sealed class KissOutboxForget(KissOutboxTarget target, string person, TimeProvider time, TimeSpan leaseDuration)
{
    private const int Page = 200;

    private const string Operation = "forget a person in the outbox";

    /// <summary>How often a row held by a dispatcher is looked at again.</summary>
    private static readonly TimeSpan HeldPoll = TimeSpan.FromMilliseconds(50);

    private readonly string _owner = "kissef-forget-" + Guid.NewGuid().ToString("N");

    /// <summary>Removes the person's calls from the table: the calls removed from pending rows, and from dead rows.</summary>
    public async Task<(int Pending, int Dead)> RunAsync(CancellationToken cancellationToken)
    {
        var removed = new Removed();

        // One pass over the table takes every row of the person no one holds, a page at a time; the rows a dispatcher
        // held are then waited for (it claims in id order too: waiting at each would keep this pass behind it).
        var held = new List<long>();
        var after = 0L;
        while (true)
        {
            var from = after;
            var page = await KissOutboxAdmin.RunAsync(
                target,
                Operation,
                own => own.Rows.AsNoTracking()
                    .Where(r => r.CallCount > 0 && r.Id > from)
                    .OrderBy(r => r.Id)
                    .Take(Page)
                    .Select(r => new { r.Id, r.Calls })
                    .ToListAsync(cancellationToken),
                cancellationToken).ConfigureAwait(false);
            var ids = page.Where(r => KissPersonCalls.Count(r.Calls, person) > 0).Select(r => r.Id).ToArray();
            if (ids.Length > 0)
            {
                held.AddRange(await ForgetRowsAsync(ids, removed, cancellationToken).ConfigureAwait(false));
            }

            if (page.Count < Page)
            {
                break;
            }

            after = page[^1].Id;
        }

        while (held.Count > 0)
        {
            await Task.Delay(HeldPoll, time, cancellationToken).ConfigureAwait(false);
            held = await ForgetRowsAsync([.. held], removed, cancellationToken).ConfigureAwait(false);
        }

        return (removed.Pending, removed.Dead);
    }

    /// <summary>
    /// Takes the rows <paramref name="ids"/> that no one holds, and removes the person's calls from them; returns the
    /// rows a dispatcher holds now. A row gone (delivered, purged) has nothing left to forget.
    /// </summary>
    private Task<List<long>> ForgetRowsAsync(long[] ids, Removed removed, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var until = now + (long)leaseDuration.TotalMilliseconds;
        return KissOutboxAdmin.RunAsync(
            target,
            Operation,
            async own =>
            {
                await own.Rows
                    .Where(r => ids.Contains(r.Id) && r.LeaseExpiresAt <= now)
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.LeaseOwner, _owner).SetProperty(r => r.LeaseExpiresAt, until), cancellationToken)
                    .ConfigureAwait(false);
                var rows = await own.Rows.AsNoTracking()
                    .Where(r => ids.Contains(r.Id))
                    .Select(r => new { r.Id, r.Calls, r.CallCount, r.DeadAt, Mine = r.LeaseOwner == _owner })
                    .ToListAsync(cancellationToken).ConfigureAwait(false);

                // Each taken row rewritten without the person's calls and given back, or deleted when none is left, in
                // one transaction (one commit for the page, not one per row).
                var taken = rows.Where(r => r.Mine).Select(r => (r.Id, r.CallCount, Dead: r.DeadAt is not null, Kept: KissPersonCalls.Without(r.Calls, person))).ToList();
                if (taken.Count == 0)
                {
                    return rows.Select(r => r.Id).ToList();
                }

                await own.Db.Database.CreateExecutionStrategy().ExecuteAsync(
                    async token =>
                    {
                        var transaction = await own.Db.Database.BeginTransactionAsync(token).ConfigureAwait(false);
                        await using (transaction.ConfigureAwait(false))
                        {
                            foreach (var (id, _, _, (calls, count)) in taken.Where(t => t.Kept.Count > 0))
                            {
                                await own.Rows.Where(r => r.Id == id && r.LeaseOwner == _owner).ExecuteUpdateAsync(
                                    s => s.SetProperty(r => r.Calls, calls)
                                        .SetProperty(r => r.CallCount, count)
                                        .SetProperty(r => r.LeaseOwner, (string?)null)
                                        .SetProperty(r => r.LeaseExpiresAt, 0L),
                                    token).ConfigureAwait(false);
                            }

                            var empty = taken.Where(t => t.Kept.Count == 0).Select(t => t.Id).ToArray();
                            if (empty.Length > 0)
                            {
                                await own.Rows.Where(r => empty.Contains(r.Id) && r.LeaseOwner == _owner).ExecuteDeleteAsync(token).ConfigureAwait(false);
                            }

                            await transaction.CommitAsync(token).ConfigureAwait(false);
                        }
                    },
                    cancellationToken).ConfigureAwait(false);
                foreach (var row in taken)
                {
                    removed.Add(row.CallCount - row.Kept.Count, row.Dead);
                }

                return rows.Where(r => !r.Mine).Select(r => r.Id).ToList();
            },
            cancellationToken);
    }

    /// <summary>The calls removed so far.</summary>
    private sealed class Removed
    {
        public int Pending { get; private set; }

        public int Dead { get; private set; }

        public void Add(int calls, bool dead)
        {
            if (dead)
            {
                Dead += calls;
            }
            else
            {
                Pending += calls;
            }
        }
    }
}
