using System.Collections.Concurrent;
using KissEf.Internal.Capture;
using KissEf.Internal.Diagnostics;
using KissEf.Internal.Logging;
using KissEf.Internal.Protocol;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KissEf.Internal.Outbox.Dispatch;

/// <summary>
/// Where calls leave, with the outbox: the hosted service that runs one <see cref="KissOutboxWorker"/> per outbox table
/// (<see cref="KissOutboxTargets"/>: a DbContext type's, or with <c>UseTenants</c> a context type's in each tenant
/// database) and, where the provider can and the application has no tenants, its <see cref="KissOutboxListener"/>; and
/// the <see cref="IKissDispatcher"/> a commit wakes and a flush drains. On start the workers drain what an earlier
/// process left; on stop they drain within the shutdown timeout and give back the leases of what they could not finish.
/// Stopping never throws: what could not be drained stays in the table.
/// </summary>
/// <remarks>
/// With tenants there is no LISTEN connection (PostgreSQL's notifications do not cross databases, and a connection per
/// tenant database would grow with the tenants): a commit wakes its own tenant's worker here, and other instances'
/// commits are found by the poll.
/// </remarks>
internal sealed class KissOutboxDispatcher : BackgroundService, IKissDispatcher
{
    /// <summary>How many workers a flush of every tenant drains at once.</summary>
    private const int FlushConcurrency = 8;

    private readonly IKissOutboxProviders _providers;
    private readonly IOptions<KissTrackingOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly KissOutboxLeases _leases;
    private readonly KissBatchSender _sender;
    private readonly KissRowSettler _settler;

    private readonly ConcurrentDictionary<string, KissOutboxWorker> _workers = new();
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _drainStop = new();
    private CancellationToken _stopping;
    private volatile bool _running;

    public KissOutboxDispatcher(
        IServiceProvider services,
        KissContextTypes contextTypes,
        IKissOutboxProviders providers,
        KissHttpSender sender,
        IOptions<KissTrackingOptions> options,
        TimeProvider time,
        KissMetrics metrics,
        ILoggerFactory loggers)
    {
        _providers = providers;
        _options = options;
        _time = time;

        // Every unit logs under the dispatcher's category, as users' filters name it.
        _logger = loggers.CreateLogger(KissLogCategories.OutboxDispatcher);
        Targets = new KissOutboxTargets(services, contextTypes, providers, options, time, _logger);
        Targets.Added += target => GetWorker(target);
        Targets.Removed += Retire;
        _leases = new KissOutboxLeases(providers, options, time, _logger);
        _sender = new KissBatchSender(sender, options, time, metrics, _logger);
        _settler = new KissRowSettler(options, time, metrics, _logger);
    }

    /// <summary>Every outbox table the dispatcher works.</summary>
    public KissOutboxTargets Targets { get; }

    /// <summary>
    /// A commit of <paramref name="contextType"/> in <paramref name="tenantId"/>'s scope wrote rows: wake the worker of
    /// its table (starting it if new; a tenant not known yet is entered first, in the background).
    /// </summary>
    public void Wake(Type contextType, string? tenantId)
    {
        if (Targets.Find(contextType, tenantId) is { } target)
        {
            GetWorker(target).Signal.Set();
            return;
        }

        _ = WakeNewAsync(contextType, tenantId);
    }

    /// <summary>
    /// Drains every worker now (with tenants, the tenants read again first, so one added since is drained too). A table
    /// that cannot be read, or a database that cannot be reached, fails the flush with an
    /// <see cref="InvalidOperationException"/> that says so and what to do (the calls stay in the table), after the
    /// other tables are drained.
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var targets = await Targets.GetAllAsync(force: true, cancellationToken).ConfigureAwait(false);
        await DrainAsync([.. targets.Select(GetWorker)], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drains the workers of <paramref name="tenantId"/>'s database.</summary>
    public async Task FlushTenantAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenantId);
        if (!Targets.Tenanted)
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var workers = new List<KissOutboxWorker>();
        foreach (var type in await Targets.ContextTypesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await Targets.ResolveAsync(type, tenantId, cancellationToken).ConfigureAwait(false) is { } target)
            {
                workers.Add(GetWorker(target));
            }
        }

        await DrainAsync(workers, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Drains within the shutdown timeout. Never throws, whatever the database's state: a missing table or an
    /// unreachable database is logged once (2010, 2011) and the calls left stay in the table for the next start.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // A batch in flight finishes (within the shutdown timeout) rather than being cut: a cut batch is sent
        // again after its leases are given back.
        _drainStop.CancelAfter(_options.Value.ShutdownTimeout);
        await using var registration = cancellationToken.Register(_drainStop.Cancel);
        try
        {
            await base.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout ended the wait for the loops: drain what time is left, if any.
        }

        _running = false;
        await Parallel.ForEachAsync(
            _workers.Values,
            new ParallelOptions { MaxDegreeOfParallelism = FlushConcurrency },
            async (worker, _) => await worker.StopAsync(_drainStop.Token).ConfigureAwait(false)).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _drainStop.Dispose();
        Targets.Dispose();
        base.Dispose();
    }

    /// <summary>The workers of every outbox table known now (with tenants, read again when the refresh is due).</summary>
    internal async Task<IReadOnlyCollection<KissOutboxWorker>> WorkersAsync(CancellationToken cancellationToken)
    {
        var targets = await Targets.GetAllAsync(force: false, cancellationToken).ConfigureAwait(false);
        return [.. targets.Select(GetWorker)];
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A design-time tool that starts the host (build-time OpenAPI generation) gets no polling, no LISTEN: no
        // connection, and no database file created by a build.
        if (KissDesignTime.IsActive)
        {
            return;
        }

        _stopping = stoppingToken;
        lock (_loops)
        {
            _running = true;
            foreach (var worker in _workers.Values)
            {
                StartLoop(worker);
            }
        }

        try
        {
            // Without tenants, once; with tenants, again at every refresh: a tenant added since gets its worker.
            // A refresh that failed (a tenant store not migrated yet, say) is tried again at the poll, not a refresh later.
            var failing = false;
            do
            {
                failing = !await RefreshAsync(reported: failing, stoppingToken).ConfigureAwait(false);
                var wait = !Targets.Tenanted ? Timeout.InfiniteTimeSpan
                    : failing ? _options.Value.PollInterval
                    : _options.Value.TenantRefreshInterval;
                await Task.Delay(wait, _time, stoppingToken).ConfigureAwait(false);
            }
            while (true);
        }
        catch (OperationCanceledException)
        {
        }

        Task[] loops;
        lock (_loops)
        {
            loops = [.. _loops];
        }

        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    /// <summary>Reads the targets (with tenants, the tenants again); each new one starts its worker through <see cref="KissOutboxTargets.Added"/>.</summary>
    /// <returns>Whether it worked; a failure is logged (2006) unless <paramref name="reported"/> (once per outage).</returns>
    private async Task<bool> RefreshAsync(bool reported, CancellationToken stoppingToken)
    {
        try
        {
            await Targets.GetAllAsync(force: true, stoppingToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // The tenants could not be read: the known ones go on, and the next refresh tries again.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            if (!reported)
            {
                KissLog.DispatcherFailed(_logger, exception);
            }

            return false;
        }
    }

    private async Task WakeNewAsync(Type contextType, string? tenantId)
    {
        try
        {
            if (await Targets.ResolveAsync(contextType, tenantId, _stopping).ConfigureAwait(false) is { } target)
            {
                GetWorker(target).Signal.Set();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Drains <paramref name="workers"/>, several at once; the first failure (explained when the table or the database
    /// is its cause) is thrown once all have had their drain.
    /// </summary>
    private static async Task DrainAsync(IReadOnlyList<KissOutboxWorker> workers, CancellationToken cancellationToken)
    {
        var failures = new ConcurrentQueue<(KissOutboxWorker Worker, Exception Failure)>();
        await Parallel.ForEachAsync(
            workers,
            new ParallelOptions { MaxDegreeOfParallelism = FlushConcurrency, CancellationToken = cancellationToken },
            async (worker, token) =>
            {
                try
                {
                    await worker.DrainAsync(token).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    failures.Enqueue((worker, exception));
                }
            }).ConfigureAwait(false);

        if (failures.TryDequeue(out var first))
        {
            await KissOutboxTable.ThrowExplainedAsync(first.Worker.Target, "flush the outbox", first.Failure, cancellationToken).ConfigureAwait(false);
        }
    }

    private KissOutboxWorker GetWorker(KissOutboxTarget target)
    {
        if (_workers.TryGetValue(target.Key, out var existing))
        {
            return existing;
        }

        lock (_loops)
        {
            var worker = _workers.GetOrAdd(target.Key, static (_, state) => state.self.NewWorker(state.target), (self: this, target));
            if (_running && !worker.Started)
            {
                StartLoop(worker);
            }

            return worker;
        }
    }

    /// <summary>Stops the worker of a target whose tenant has left (after its drain in flight, if any).</summary>
    private void Retire(KissOutboxTarget target)
    {
        if (_workers.TryGetValue(target.Key, out var worker) && worker.Target == target && _workers.TryRemove(new(target.Key, worker)))
        {
            worker.Retire();
        }
    }

    private KissOutboxWorker NewWorker(KissOutboxTarget target)
        => new(target, _options, _time, _logger, _leases, _sender, _settler);

    private void StartLoop(KissOutboxWorker worker)
    {
        if (worker.Started)
        {
            return;
        }

        worker.Started = true;
        var drainStop = _drainStop.Token;
        _loops.Add(Task.Run(() => worker.LoopAsync(_stopping, drainStop), CancellationToken.None));

        // Other instances' commits: where the provider listens (PostgreSQL) a wake; elsewhere the poll finds them.
        if (!Targets.Tenanted)
        {
            _loops.Add(Task.Run(
                () => KissOutboxListener.ListenAsync(
                    _providers, worker.Target, worker.Signal, _options.Value.PollInterval, _time, _logger, _stopping),
                CancellationToken.None));
        }
    }
}
