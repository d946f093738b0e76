using KissEf.Internal.Outbox.Dispatch;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Internal.Outbox;

/// <summary>
/// Runs <see cref="IKissOutbox"/>'s queries on each outbox table the dispatcher works (each context type's, and with
/// tenants each tenant database's), through contexts of its own. A table that cannot be read, or a database that cannot
/// be reached, fails with an <see cref="InvalidOperationException"/> that says so and what to do (the provider's error
/// inside).
/// </summary>
internal sealed class KissOutboxAdmin(KissOutboxDispatcher dispatcher, TimeProvider time) : IKissOutbox
{
    public async Task<KissOutboxState> GetStateAsync(CancellationToken cancellationToken = default)
    {
        var targets = await dispatcher.Targets.GetAllAsync(force: false, cancellationToken).ConfigureAwait(false);
        var state = Empty;
        Dictionary<string, KissOutboxState>? tenants = dispatcher.Targets.Tenanted ? new(StringComparer.Ordinal) : null;
        foreach (var target in targets)
        {
            var one = await StateOfAsync(target, cancellationToken).ConfigureAwait(false);
            state = Add(state, one);
            if (tenants is not null)
            {
                foreach (var tenant in target.TenantIds)
                {
                    tenants[tenant] = tenants.TryGetValue(tenant, out var other) ? Add(other, one) : one;
                }
            }
        }

        return tenants is null ? state : state with { Tenants = tenants };
    }

    public async Task<KissOutboxState> GetTenantStateAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var state = Empty;
        foreach (var target in await TenantTargetsAsync(tenantId, cancellationToken).ConfigureAwait(false))
        {
            state = Add(state, await StateOfAsync(target, cancellationToken).ConfigureAwait(false));
        }

        return state;
    }

    public async Task<int> RetryDeadAsync(CancellationToken cancellationToken = default)
        => await RetryDeadAsync(await dispatcher.Targets.GetAllAsync(force: false, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async Task<int> RetryTenantDeadAsync(string tenantId, CancellationToken cancellationToken = default)
        => await RetryDeadAsync(await TenantTargetsAsync(tenantId, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async Task<int> PurgeDeadAsync(TimeSpan olderThan, CancellationToken cancellationToken = default)
        => await PurgeDeadAsync(await dispatcher.Targets.GetAllAsync(force: false, cancellationToken).ConfigureAwait(false), olderThan, cancellationToken).ConfigureAwait(false);

    public async Task<int> PurgeTenantDeadAsync(string tenantId, TimeSpan olderThan, CancellationToken cancellationToken = default)
        => await PurgeDeadAsync(await TenantTargetsAsync(tenantId, cancellationToken).ConfigureAwait(false), olderThan, cancellationToken).ConfigureAwait(false);

    private static KissOutboxState Empty => new(0, 0, 0, 0, null);

    private static KissOutboxState Add(KissOutboxState a, KissOutboxState b)
        => new(a.PendingRows + b.PendingRows, a.PendingCalls + b.PendingCalls, a.DeadRows + b.DeadRows, a.DeadCalls + b.DeadCalls, Max(a.OldestPendingAge, b.OldestPendingAge));

    private static TimeSpan? Max(TimeSpan? a, TimeSpan? b) => a is { } x && (b is not { } y || x > y) ? x : b;

    /// <summary>The tables of <paramref name="tenantId"/>'s database, one per outbox context type (the tenant entered if new).</summary>
    private async Task<IReadOnlyList<KissOutboxTarget>> TenantTargetsAsync(string tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        if (!dispatcher.Targets.Tenanted)
        {
            throw new InvalidOperationException($"IKissOutbox was asked about tenant '{tenantId}', and KissEf knows no tenants: call UseTenants<T>() in AddKissTracking.");
        }

        var targets = new List<KissOutboxTarget>();
        foreach (var type in await dispatcher.Targets.ContextTypesAsync(cancellationToken).ConfigureAwait(false))
        {
            targets.Add(await dispatcher.Targets.ResolveAsync(type, tenantId, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"KissEf could not enter tenant '{tenantId}' to read the outbox of {type.Name}: see the warning logged (2013)."));
        }

        return targets;
    }

    private async Task<KissOutboxState> StateOfAsync(KissOutboxTarget target, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();

        // A backfill's checkpoint is a dead row of no call: not a call waiting or given up.
        var groups = await RunAsync(
            target,
            "read the outbox's state",
            own => own.Rows.AsNoTracking().Where(r => r.CallCount > 0)
                .GroupBy(r => r.DeadAt == null)
                .Select(g => new { Pending = g.Key, Rows = g.Count(), Calls = g.Sum(r => r.CallCount), Oldest = g.Min(r => r.CreatedAt) })
                .ToListAsync(cancellationToken),
            cancellationToken).ConfigureAwait(false);
        var state = Empty;
        foreach (var group in groups)
        {
            state = group.Pending
                ? state with { PendingRows = group.Rows, PendingCalls = group.Calls, OldestPendingAge = TimeSpan.FromMilliseconds(Math.Max(now - group.Oldest, 0)) }
                : state with { DeadRows = group.Rows, DeadCalls = group.Calls };
        }

        return state;
    }

    private async Task<int> RetryDeadAsync(IEnumerable<KissOutboxTarget> targets, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var revived = 0;
        foreach (var target in targets)
        {
            revived += await RunAsync(
                target,
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
            dispatcher.Wake(target.ContextType, target.TenantId);
        }

        return revived;
    }

    private async Task<int> PurgeDeadAsync(IEnumerable<KissOutboxTarget> targets, TimeSpan olderThan, CancellationToken cancellationToken)
    {
        var cutoff = (time.GetUtcNow() - olderThan).ToUnixTimeMilliseconds();
        var purged = 0;
        foreach (var target in targets)
        {
            purged += await RunAsync(
                target,
                "purge the outbox's dead rows",
                own => own.Rows.Where(r => r.DeadAt != null && r.DeadAt <= cutoff).ExecuteDeleteAsync(cancellationToken),
                cancellationToken).ConfigureAwait(false);
        }

        return purged;
    }

    /// <summary>Runs <paramref name="query"/> on a context of its own; a missing table or an unreachable database is explained.</summary>
    private static async Task<T> RunAsync<T>(KissOutboxTarget target, string operation, Func<KissOwnContext, Task<T>> query, CancellationToken cancellationToken)
    {
        Exception failure;
        try
        {
            var own = await target.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (own.ConfigureAwait(false))
            {
                return await query(own).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            failure = exception;
        }

        await KissOutboxTable.ThrowExplainedAsync(target, operation, failure, cancellationToken).ConfigureAwait(false);
        return default!; // not reached: the call above always throws
    }
}
