using KissEf.Internal.Outbox.Dispatch;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Internal.Outbox;

/// <summary>
/// Runs <see cref="IKissOutbox"/>'s queries on each outbox context type, through contexts of its own. A table that
/// cannot be read, or a database that cannot be reached, fails with an <see cref="InvalidOperationException"/> that
/// says so and what to do (the provider's error inside).
/// </summary>
internal sealed class KissOutboxAdmin(IServiceProvider services, KissOutboxDispatcher dispatcher, TimeProvider time) : IKissOutbox
{
    public async Task<KissOutboxState> GetStateAsync(CancellationToken cancellationToken = default)
    {
        var state = new KissOutboxState(0, 0, 0, 0, null);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var worker in dispatcher.KnownWorkers())
        {
            // A backfill's checkpoint is a dead row of no call: not a call waiting or given up.
            var groups = await RunAsync(
                worker.ContextType,
                "read the outbox's state",
                own => own.Rows.AsNoTracking().Where(r => r.CallCount > 0)
                    .GroupBy(r => r.DeadAt == null)
                    .Select(g => new { Pending = g.Key, Rows = g.Count(), Calls = g.Sum(r => r.CallCount), Oldest = g.Min(r => r.CreatedAt) })
                    .ToListAsync(cancellationToken),
                cancellationToken).ConfigureAwait(false);
            foreach (var group in groups)
            {
                state = group.Pending
                    ? state with
                    {
                        PendingRows = state.PendingRows + group.Rows,
                        PendingCalls = state.PendingCalls + group.Calls,
                        OldestPendingAge = Max(state.OldestPendingAge, TimeSpan.FromMilliseconds(Math.Max(now - group.Oldest, 0))),
                    }
                    : state with { DeadRows = state.DeadRows + group.Rows, DeadCalls = state.DeadCalls + group.Calls };
            }
        }

        return state;
    }

    public async Task<int> RetryDeadAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var revived = 0;
        foreach (var worker in dispatcher.KnownWorkers())
        {
            revived += await RunAsync(
                worker.ContextType,
                "retry the outbox's dead rows",
                own => own.Rows
                    .Where(r => r.DeadAt != null && r.CallCount > 0)
                    .ExecuteUpdateAsync(
                        s => s.SetProperty(r => r.DeadAt, (long?)null)
                            .SetProperty(r => r.Attempts, 0)
                            .SetProperty(r => r.NextAttemptAt, now)
                            .SetProperty(r => r.CreatedAt, now)
                            .SetProperty(r => r.LeaseOwner, (string?)null)
                            .SetProperty(r => r.LeaseExpiresAt, 0L),
                        cancellationToken),
                cancellationToken).ConfigureAwait(false);
            dispatcher.Wake(worker.ContextType);
        }

        return revived;
    }

    public async Task<int> PurgeDeadAsync(TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        var cutoff = (time.GetUtcNow() - olderThan).ToUnixTimeMilliseconds();
        var purged = 0;
        foreach (var worker in dispatcher.KnownWorkers())
        {
            purged += await RunAsync(
                worker.ContextType,
                "purge the outbox's dead rows",
                own => own.Rows.Where(r => r.DeadAt != null && r.DeadAt <= cutoff).ExecuteDeleteAsync(cancellationToken),
                cancellationToken).ConfigureAwait(false);
        }

        return purged;
    }

    /// <summary>Runs <paramref name="query"/> on a context of its own; a missing table or an unreachable database is explained.</summary>
    private async Task<T> RunAsync<T>(Type contextType, string operation, Func<KissOwnContext, Task<T>> query, CancellationToken cancellationToken)
    {
        Exception failure;
        try
        {
            var own = KissOwnContext.Open(services, contextType);
            await using (own.ConfigureAwait(false))
            {
                return await query(own).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            failure = exception;
        }

        await KissOutboxTable.ThrowExplainedAsync(services, contextType, operation, failure, cancellationToken).ConfigureAwait(false);
        return default!; // not reached: the call above always throws
    }

    private static TimeSpan? Max(TimeSpan? a, TimeSpan b) => a is { } x && x > b ? x : b;
}
