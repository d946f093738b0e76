using KissEf.Internal.Outbox.Dispatch;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KissEf.Internal.Outbox;

/// <summary>
/// Runs <see cref="IKissOutbox"/>'s queries on each outbox table the dispatcher works (each context type's, and with
/// tenants each tenant database's), through contexts of its own. A table that cannot be read, or a database that cannot
/// be reached, fails with an <see cref="InvalidOperationException"/> that says so and what to do (the provider's error
/// inside).
/// </summary>
/// <remarks>
/// <see cref="GetStateAsync"/> reads every table, then throws when one could not be read (with tenants: a tenant
/// database down, or a tenant that could not be entered), naming it: totals without it would be wrong. The health check
/// and the gauges read through <see cref="ReadAsync"/>, which keeps the figures of the tables read beside the failures.
/// </remarks>
internal sealed class KissOutboxAdmin(KissOutboxDispatcher dispatcher, TimeProvider time, IOptions<KissTrackingOptions> options) : IKissOutbox
{
    /// <summary>How many tables a reading queries at once (with tenants, one per tenant database).</summary>
    private const int ReadConcurrency = 8;

    /// <summary>How many failures an exception's message describes; the others are in its inner exception.</summary>
    private const int FailuresDescribed = 3;

    /// <summary>
    /// Dead rows read at once to group them (their calls' text is read for the kinds: a row holds up to
    /// <c>MaxCallsPerRow</c> calls), and to retry or purge a group (ids and errors only).
    /// </summary>
    private const int DeadPage = 200;

    private const int DeadKeyPage = 2_000;

    public async Task<KissOutboxState> GetStateAsync(CancellationToken cancellationToken = default)
    {
        var reading = await ReadAsync(cancellationToken).ConfigureAwait(false);
        switch (reading.Failures)
        {
            case []:
                return reading.State;
            case [var one]:
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(one.Exception);
                return default!; // not reached
            case var many:
                throw new InvalidOperationException(
                    $"KissEf could not read {many.Count} of its outbox tables ({string.Join(", ", reading.Unreadable)}): " +
                    string.Join(" ", many.Take(FailuresDescribed).Select(f => f.Exception.Message)) +
                    (many.Count > FailuresDescribed ? $" ({many.Count - FailuresDescribed} more in the inner exception.)" : string.Empty),
                    new AggregateException(many.Select(f => f.Exception)));
        }
    }

    /// <summary>
    /// Reads every outbox table, several at once: each one's state, or why it cannot be read (with tenants, the tenants
    /// that could not be entered too), never throwing for a table.
    /// </summary>
    public async Task<KissOutboxReading> ReadAsync(CancellationToken cancellationToken)
    {
        var targets = (await dispatcher.Targets.GetAllAsync(force: false, cancellationToken).ConfigureAwait(false)).OrderBy(t => t.Label, StringComparer.Ordinal).ToArray();
        var states = new KissOutboxState?[targets.Length];
        var errors = new Exception?[targets.Length];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, targets.Length),
            new ParallelOptions { MaxDegreeOfParallelism = ReadConcurrency, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                try
                {
                    states[i] = await StateOfAsync(targets[i], token).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    errors[i] = exception;
                }
            }).ConfigureAwait(false);

        var state = Empty;
        var names = ContextNames(targets.Select(t => t.ContextType));
        var contexts = new Dictionary<string, KissOutboxState>(StringComparer.Ordinal);
        var tables = new List<(string?, KissOutboxState)>();
        var failures = new List<KissOutboxFailure>();
        Dictionary<string, KissOutboxState>? tenants = dispatcher.Targets.Tenanted ? new(StringComparer.Ordinal) : null;
        for (var i = 0; i < targets.Length; i++)
        {
            var target = targets[i];
            if (states[i] is not { } one)
            {
                failures.Add(new KissOutboxFailure(target.Label, target.TenantIds, errors[i]!));
                continue;
            }

            state = Add(state, one);
            AddTo(contexts, names[target.ContextType], one);
            tables.Add((target.TenantId, one));
            if (tenants is not null)
            {
                foreach (var tenant in target.TenantIds)
                {
                    AddTo(tenants, tenant, one);
                }
            }
        }

        foreach (var tenant in dispatcher.Targets.Unavailable.Where(t => tenants?.ContainsKey(t) != true).Order(StringComparer.Ordinal))
        {
            failures.Add(new KissOutboxFailure(
                $"tenant {tenant}",
                [tenant],
                new InvalidOperationException($"KissEf could not enter tenant '{tenant}' to read its outbox: see the warning logged (2013).")));
        }

        return new KissOutboxReading(state with { Tenants = tenants, Contexts = contexts }, tables, failures);
    }

    public async Task<KissOutboxState> GetTenantStateAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        var state = Empty;
        var targets = await TenantTargetsAsync(tenantId, cancellationToken).ConfigureAwait(false);
        var names = ContextNames(targets.Select(t => t.ContextType));
        var contexts = new Dictionary<string, KissOutboxState>(StringComparer.Ordinal);
        foreach (var target in targets)
        {
            var one = await StateOfAsync(target, cancellationToken).ConfigureAwait(false);
            state = Add(state, one);
            AddTo(contexts, names[target.ContextType], one);
        }

        return state with { Contexts = contexts };
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

    /// <summary>Adds <paramref name="one"/> to the figures of <paramref name="key"/> (a tenant, or a context type).</summary>
    private static void AddTo(Dictionary<string, KissOutboxState> states, string key, KissOutboxState one)
        => states[key] = states.TryGetValue(key, out var other) ? Add(other, one) : one;

    /// <summary>
    /// How <see cref="KissOutboxState.Contexts"/> names each context type: its short name, which an operator knows from
    /// the code and from the errors, unless two of them share it (in two namespaces): then both by their full name, so
    /// that neither name depends on which one was read first.
    /// </summary>
    private static Dictionary<Type, string> ContextNames(IEnumerable<Type> contextTypes)
        => contextTypes.Distinct()
            .GroupBy(t => t.Name, StringComparer.Ordinal)
            .SelectMany(g => g.Count() == 1 ? g.Select(t => (Type: t, Name: t.Name)) : g.Select(t => (Type: t, Name: t.FullName ?? t.Name)))
            .ToDictionary(n => n.Type, n => n.Name);

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

    public async Task<IReadOnlyList<KissDeadGroup>> GetDeadGroupsAsync(CancellationToken cancellationToken = default)
    {
        var tally = new KissDeadGroupTally();
        foreach (var target in await dispatcher.Targets.GetAllAsync(force: false, cancellationToken).ConfigureAwait(false))
        {
            // In pages by id: the rows are read and counted, never held (a backfill's checkpoint, of no call, is not dead).
            var after = 0L;
            while (true)
            {
                var from = after;
                var page = await RunAsync(
                    target,
                    "group the outbox's dead rows",
                    own => own.Rows.AsNoTracking()
                        .Where(r => r.DeadAt != null && r.CallCount > 0 && r.Id > from)
                        .OrderBy(r => r.Id)
                        .Take(DeadPage)
                        .Select(r => new { r.Id, r.LastError, r.CallCount, DeadAt = r.DeadAt!.Value, r.Calls })
                        .ToListAsync(cancellationToken),
                    cancellationToken).ConfigureAwait(false);
                foreach (var row in page)
                {
                    tally.Add(row.LastError, row.CallCount, row.DeadAt, row.Calls);
                }

                if (page.Count < DeadPage)
                {
                    break;
                }

                after = page[^1].Id;
            }
        }

        return tally.Groups();
    }

    public async Task<int> RetryDeadAsync(string groupKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupKey);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var revived = 0;
        foreach (var target in await dispatcher.Targets.GetAllAsync(force: false, cancellationToken).ConfigureAwait(false))
        {
            var rows = await ForGroupAsync(
                target,
                groupKey,
                "retry a group of the outbox's dead rows",
                (own, ids) => ReviveAsync(own.Rows.Where(r => r.DeadAt != null && ids.Contains(r.Id)), now, cancellationToken),
                cancellationToken).ConfigureAwait(false);
            if (rows > 0)
            {
                dispatcher.Wake(target.ContextType, target.TenantId);
            }

            revived += rows;
        }

        return revived;
    }

    public async Task<int> PurgeDeadAsync(string groupKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupKey);
        var purged = 0;
        foreach (var target in await dispatcher.Targets.GetAllAsync(force: false, cancellationToken).ConfigureAwait(false))
        {
            purged += await ForGroupAsync(target, groupKey, "purge a group of the outbox's dead rows", (own, ids) => own.Rows
                .Where(r => r.DeadAt != null && ids.Contains(r.Id))
                .ExecuteDeleteAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        return purged;
    }

    public async Task<KissForgetReport> ForgetAsync(string person, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(person);
        var (pending, dead) = (0, 0);
        foreach (var target in await dispatcher.Targets.GetAllAsync(force: false, cancellationToken).ConfigureAwait(false))
        {
            var forget = new KissOutboxForget(target, person, time, options.Value.LeaseDuration);
            var (p, d) = await forget.RunAsync(cancellationToken).ConfigureAwait(false);
            pending += p;
            dead += d;
        }

        return new KissForgetReport(pending, dead);
    }

    /// <summary>Makes <paramref name="rows"/> pending again, due <paramref name="now"/>, with their attempts reset (a new <c>MaxAge</c> from now).</summary>
    private static Task<int> ReviveAsync(IQueryable<KissEf.Outbox.KissOutboxMessage> rows, long now, CancellationToken cancellationToken)
        => rows.ExecuteUpdateAsync(
            s => s.SetProperty(r => r.DeadAt, (long?)null)
                .SetProperty(r => r.Attempts, 0)
                .SetProperty(r => r.NextAttemptAt, now)
                .SetProperty(r => r.CreatedAt, now)
                .SetProperty(r => r.LeaseOwner, (string?)null)
                .SetProperty(r => r.LeaseExpiresAt, 0L),
            cancellationToken);

    /// <summary>
    /// Runs <paramref name="change"/> on the ids of the dead rows of <paramref name="groupKey"/> in <paramref name="target"/>'s
    /// table, a page of rows at a time (their ids and errors only), and adds up what it returns.
    /// </summary>
    private static async Task<int> ForGroupAsync(
        KissOutboxTarget target, string groupKey, string operation, Func<KissOwnContext, long[], Task<int>> change, CancellationToken cancellationToken)
    {
        var total = 0;
        var after = 0L;
        while (true)
        {
            var from = after;
            var (count, last, changed) = await RunAsync(
                target,
                operation,
                async own =>
                {
                    var page = await own.Rows.AsNoTracking()
                        .Where(r => r.DeadAt != null && r.CallCount > 0 && r.Id > from)
                        .OrderBy(r => r.Id)
                        .Take(DeadKeyPage)
                        .Select(r => new { r.Id, r.LastError })
                        .ToListAsync(cancellationToken).ConfigureAwait(false);
                    var ids = page.Where(r => KissDeadFingerprint.Key(KissDeadFingerprint.Text(r.LastError)) == groupKey).Select(r => r.Id).ToArray();
                    var done = ids.Length == 0 ? 0 : await change(own, ids).ConfigureAwait(false);
                    return (page.Count, page.Count == 0 ? from : page[^1].Id, done);
                },
                cancellationToken).ConfigureAwait(false);
            total += changed;
            if (count < DeadKeyPage)
            {
                return total;
            }

            after = last;
        }
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
                own => ReviveAsync(own.Rows.Where(r => r.DeadAt != null && r.CallCount > 0), now, cancellationToken),
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
                own => own.Rows.Where(r => r.DeadAt != null && r.CallCount > 0 && r.DeadAt <= cutoff).ExecuteDeleteAsync(cancellationToken),
                cancellationToken).ConfigureAwait(false);
        }

        return purged;
    }

    /// <summary>Runs <paramref name="query"/> on a context of its own; a missing table or an unreachable database is explained.</summary>
    /// <summary>Runs <paramref name="query"/> on a context of KissEf's own for <paramref name="target"/>; a failure is explained (the table, the context, what to do) and thrown.</summary>
    internal static async Task<T> RunAsync<T>(KissOutboxTarget target, string operation, Func<KissOwnContext, Task<T>> query, CancellationToken cancellationToken)
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
