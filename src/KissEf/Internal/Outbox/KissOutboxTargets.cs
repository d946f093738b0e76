using System.Collections.Concurrent;
using KissEf.Internal.Capture;
using KissEf.Internal.Logging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KissEf.Internal.Outbox;

/// <summary>
/// Every outbox table the dispatcher works (<see cref="KissOutboxTarget"/>): one per DbContext type that uses the
/// outbox; with <c>UseTenants</c>, one per context type and tenant database. It reads the tenants
/// (<see cref="IKissTenants.GetTenantIdsAsync"/>) at start and every <see cref="KissTrackingOptions.TenantRefreshInterval"/>,
/// and enters each new tenant once to learn its database: tenants whose contexts name the same database (the provider's
/// <see cref="KissOutboxProvider.DatabaseIdentity"/>: the server and database, or SQLite's file) and the same outbox
/// table share one target, so one worker claims the rows of all of them. A tenant it cannot enter is logged (2013) and
/// tried again at the next refresh, or at its next commit; the others go on. A tenant no longer listed at a refresh
/// loses its target (and its worker stops).
/// </summary>
internal sealed class KissOutboxTargets : IDisposable
{
    /// <summary>How many tenants are entered at once to learn their databases.</summary>
    private const int ResolveConcurrency = 8;

    private readonly IServiceProvider _services;
    private readonly KissContextTypes _contextTypes;
    private readonly IKissOutboxProviders _providers;
    private readonly IOptions<KissTrackingOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IKissTenants? _tenants;

    private readonly ConcurrentDictionary<string, KissOutboxTarget> _byKey = new();
    private readonly ConcurrentDictionary<(Type Type, string? Tenant), KissOutboxTarget> _byTenant = new();

    /// <summary>The tenants reported (2013) since they last failed to be entered.</summary>
    private readonly ConcurrentDictionary<string, bool> _reported = new();

    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private IReadOnlyList<Type>? _types;
    private long _refreshedAt = long.MinValue;

    public KissOutboxTargets(
        IServiceProvider services,
        KissContextTypes contextTypes,
        IKissOutboxProviders providers,
        IOptions<KissTrackingOptions> options,
        TimeProvider time,
        ILogger logger)
    {
        _services = services;
        _contextTypes = contextTypes;
        _providers = providers;
        _options = options;
        _time = time;
        _logger = logger;
        _tenants = services.GetService<IKissTenants>();
    }

    /// <summary>Whether the application told KissEf its tenants (<c>UseTenants</c>).</summary>
    public bool Tenanted => _tenants is not null;

    /// <summary>Told of each target when it is first known, once.</summary>
    public event Action<KissOutboxTarget>? Added;

    /// <summary>Told of each target dropped at a refresh because a tenant of it is no longer listed, once.</summary>
    public event Action<KissOutboxTarget>? Removed;

    /// <summary>The targets known now.</summary>
    public IReadOnlyCollection<KissOutboxTarget> Known => [.. _byKey.Values];

    /// <summary>The tenants that could not be entered (logged 2013) and have not been entered since.</summary>
    public IReadOnlyCollection<string> Unavailable => [.. _reported.Keys];

    /// <summary>
    /// Every target: without tenants, one per outbox context type; with tenants, the tenants read again (when
    /// <paramref name="force"/>, or when the refresh interval has passed) and each new one entered to find its database.
    /// </summary>
    public async Task<IReadOnlyCollection<KissOutboxTarget>> GetAllAsync(bool force, CancellationToken cancellationToken)
    {
        if (_tenants is null)
        {
            foreach (var type in ContextTypes(_services))
            {
                Find(type, null);
            }

            return Known;
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        // Never read yet (MinValue: "now - last" would overflow): read now.
        var last = Interlocked.Read(ref _refreshedAt);
        if (!force && last != long.MinValue && now - last < (long)_options.Value.TenantRefreshInterval.TotalMilliseconds)
        {
            return Known;
        }

        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RefreshAsync(_tenants, cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _refreshedAt, now);
        }
        finally
        {
            _refreshing.Release();
        }

        return Known;
    }

    /// <summary>
    /// The target of a commit of <paramref name="contextType"/> in <paramref name="tenantId"/>'s scope, when known; null
    /// for a tenant not entered yet (<see cref="ResolveAsync"/>). Without tenants, a context type seen for the first
    /// time (one not registered in the application's services) gets its target here.
    /// </summary>
    public KissOutboxTarget? Find(Type contextType, string? tenantId)
    {
        if (_byTenant.TryGetValue((contextType, tenantId), out var known))
        {
            return known;
        }

        return _tenants is null ? Add(contextType, null, contextType.FullName ?? contextType.Name) : null;
    }

    /// <summary>
    /// The target of <paramref name="tenantId"/>'s database for <paramref name="contextType"/>: the tenant is entered to
    /// learn it. Null, logged (2013), when it cannot be entered.
    /// </summary>
    public async Task<KissOutboxTarget?> ResolveAsync(Type contextType, string? tenantId, CancellationToken cancellationToken)
    {
        if (Find(contextType, tenantId) is { } known)
        {
            return known;
        }

        try
        {
            var own = await KissOwnContext.OpenAsync(_services, contextType, _tenants, tenantId, cancellationToken).ConfigureAwait(false);
            await using (own.ConfigureAwait(false))
            {
                var db = own.Db;
                var names = KissOutboxNames.Of(db);
                var database = _providers.For(db).DatabaseIdentity(db.Database.GetDbConnection());
                var key = database is null
                    ? $"{contextType.FullName}|tenant:{tenantId}"
                    : $"{contextType.FullName}|{db.Database.ProviderName}|{database}|{names.Schema}.{names.Table}";
                _reported.TryRemove(tenantId ?? string.Empty, out _);
                return Add(contextType, tenantId, key);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception) when (tenantId is null)
        {
            // A context type that cannot be created outside a tenant writes no rows outside one: nothing to work.
            _ = exception;
            return null;
        }
#pragma warning disable CA1031 // A tenant that cannot be entered must not stop the others: it is logged, and tried again.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            if (_reported.TryAdd(tenantId!, true))
            {
                KissLog.TenantUnavailable(_logger, tenantId!, contextType.Name, KissOutboxTable.Describe(exception), _options.Value.TenantRefreshInterval.TotalSeconds);
            }

            return null;
        }
    }

    /// <summary>
    /// The context types whose options use KissEf's outbox, found once. With tenants the options are resolved in a tenant's
    /// scope when a plain scope cannot resolve them (options code that reads the tenant).
    /// </summary>
    public IReadOnlyList<Type> ContextTypes(IServiceProvider probe)
        => _types ??= [.. _contextTypes.Tracked(probe).Where(t => t.Extension.OutboxTable is not null).Select(t => t.Type)];

    public void Dispose() => _refreshing.Dispose();

    /// <summary>The context types whose options use KissEf's outbox (with tenants, probed inside one if need be).</summary>
    public async Task<IReadOnlyList<Type>> ContextTypesAsync(CancellationToken cancellationToken)
        => _types ?? (_tenants is null
            ? ContextTypes(_services)
            : await TypesAsync(_tenants, await _tenants.GetTenantIdsAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false));

    private async Task RefreshAsync(IKissTenants tenants, CancellationToken cancellationToken)
    {
        var ids = await tenants.GetTenantIdsAsync(cancellationToken).ConfigureAwait(false);
        Retire(ids);
        var types = await TypesAsync(tenants, ids, cancellationToken).ConfigureAwait(false);
        var work = new List<(Type Type, string? Tenant)>();
        foreach (var type in types)
        {
            // Outside any tenant too: a context type that can be created without one may hold rows of saves made so.
            if (!_byTenant.ContainsKey((type, null)))
            {
                work.Add((type, null));
            }

            work.AddRange(ids.Where(id => !_byTenant.ContainsKey((type, id))).Select(id => ((Type, string?))(type, id)));
        }

        await Parallel.ForEachAsync(
            work,
            new ParallelOptions { MaxDegreeOfParallelism = ResolveConcurrency, CancellationToken = cancellationToken },
            async (item, token) => await ResolveAsync(item.Type, item.Tenant, token).ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>
    /// Drops the targets of which a tenant is no longer listed (an offboarded customer): otherwise its worker would try to
    /// enter it at every poll for ever, and the outbox's state and flush would fail on it. The other tenants of such a
    /// target (on the same database) are entered again by the refresh, through one of theirs.
    /// </summary>
    private void Retire(IReadOnlyCollection<string> ids)
    {
        var listed = new HashSet<string>(ids, StringComparer.Ordinal);
        var retired = new List<KissOutboxTarget>();
        lock (_byKey)
        {
            foreach (var target in _byKey.Values.Where(t => t.TenantId is not null && t.TenantIds.Any(id => !listed.Contains(id))))
            {
                _byKey.TryRemove(target.Key, out _);
                foreach (var tenant in target.TenantIds)
                {
                    _byTenant.TryRemove((target.ContextType, tenant), out _);
                }

                retired.Add(target);
            }
        }

        foreach (var tenant in _reported.Keys.Where(id => !listed.Contains(id)))
        {
            _reported.TryRemove(tenant, out _);
        }

        foreach (var target in retired)
        {
            Removed?.Invoke(target);
        }
    }

    /// <summary>The outbox context types, probed in a plain scope, else in the first tenant's that can be entered.</summary>
    private async Task<IReadOnlyList<Type>> TypesAsync(IKissTenants tenants, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        if (_types is { } known)
        {
            return known;
        }

        try
        {
            return ContextTypes(_services);
        }
#pragma warning disable CA1031 // Options code that needs a tenant: probe again inside one.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        foreach (var id in ids)
        {
            var scope = _services.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                try
                {
                    await tenants.EnterAsync(scope.ServiceProvider, id, cancellationToken).ConfigureAwait(false);
                    return _types ??= [.. _contextTypes.TrackedIn(scope.ServiceProvider).Where(t => t.Extension.OutboxTable is not null).Select(t => t.Type)];
                }
#pragma warning disable CA1031 // This tenant cannot be entered: try the next one; its own work reports it.
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
                {
                }
            }
        }

        return [];
    }

    private KissOutboxTarget Add(Type contextType, string? tenantId, string key)
    {
        KissOutboxTarget? added = null;
        KissOutboxTarget target;
        lock (_byKey)
        {
            if (!_byKey.TryGetValue(key, out target!))
            {
                target = added = new KissOutboxTarget(_services, contextType, _tenants, tenantId, key);
                _byKey[key] = target;
            }

            if (tenantId is not null)
            {
                target.Share(tenantId);
            }

            _byTenant[(contextType, tenantId)] = target;
        }

        if (added is not null)
        {
            Added?.Invoke(added);
        }

        return target;
    }
}
