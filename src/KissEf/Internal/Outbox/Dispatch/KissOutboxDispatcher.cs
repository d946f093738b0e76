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
/// Where calls leave, with the outbox: the hosted service that runs one <see cref="KissOutboxWorker"/> per DbContext
/// type (and, where the provider can, its <see cref="KissOutboxListener"/>), and the <see cref="IKissDispatcher"/> a
/// commit wakes and a flush drains. On start the workers drain what an earlier process left; on stop they drain within
/// the shutdown timeout and give back the leases of what they could not finish. Stopping never throws: what could not
/// be drained stays in the table.
/// </summary>
internal sealed class KissOutboxDispatcher : BackgroundService, IKissDispatcher
{
    private readonly IServiceProvider _services;
    private readonly KissContextTypes _contextTypes;
    private readonly IKissOutboxProviders _providers;
    private readonly IOptions<KissTrackingOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly KissOutboxLeases _leases;
    private readonly KissBatchSender _sender;
    private readonly KissRowSettler _settler;

    private readonly ConcurrentDictionary<Type, KissOutboxWorker> _workers = new();
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _drainStop = new();
    private CancellationToken _stopping;
    private volatile bool _running;
    private IReadOnlyList<Type>? _registered;

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
        _services = services;
        _contextTypes = contextTypes;
        _providers = providers;
        _options = options;
        _time = time;

        // Every unit logs under the dispatcher's category, as users' filters name it.
        _logger = loggers.CreateLogger(KissLogCategories.OutboxDispatcher);
        _leases = new KissOutboxLeases(services, providers, options, time, _logger);
        _sender = new KissBatchSender(sender, options, time, metrics, _logger);
        _settler = new KissRowSettler(options, time, metrics, _logger);
    }

    /// <summary>A commit of <paramref name="contextType"/> wrote rows: wake its worker (starting it if new).</summary>
    public void Wake(Type contextType) => GetWorker(contextType).Signal.Set();

    /// <summary>
    /// Drains every worker now. A table that cannot be read, or a database that cannot be reached, fails the flush with
    /// an <see cref="InvalidOperationException"/> that says so and what to do (the calls stay in the table).
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        foreach (var worker in KnownWorkers())
        {
            Exception? failure;
            try
            {
                await worker.DrainAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                failure = exception;
            }

            await KissOutboxTable.ThrowExplainedAsync(_services, worker.ContextType, "flush the outbox", failure, cancellationToken).ConfigureAwait(false);
        }
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
        foreach (var worker in _workers.Values)
        {
            await worker.StopAsync(_drainStop.Token).ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        _drainStop.Dispose();
        base.Dispose();
    }

    /// <summary>The workers of every context type known now: those registered in DI and those seen committing.</summary>
    internal IReadOnlyCollection<KissOutboxWorker> KnownWorkers()
    {
        foreach (var type in OutboxContextTypes())
        {
            GetWorker(type);
        }

        return [.. _workers.Values];
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
        var known = KnownWorkers();
        lock (_loops)
        {
            _running = true;
            foreach (var worker in known)
            {
                StartLoop(worker);
            }
        }

        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
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

    /// <summary>The registered context types whose options use KissEf's outbox, found once.</summary>
    private IReadOnlyList<Type> OutboxContextTypes()
    {
        if (_registered is { } known)
        {
            return known;
        }

        return _registered = [.. _contextTypes.Tracked(_services).Where(t => t.Extension.OutboxTable is not null).Select(t => t.Type)];
    }

    private KissOutboxWorker GetWorker(Type contextType)
    {
        if (_workers.TryGetValue(contextType, out var existing))
        {
            return existing;
        }

        lock (_loops)
        {
            var worker = _workers.GetOrAdd(contextType, static (type, self) => self.NewWorker(type), this);
            if (_running && !worker.Started)
            {
                StartLoop(worker);
            }

            return worker;
        }
    }

    private KissOutboxWorker NewWorker(Type contextType)
        => new(contextType, _services, _options, _time, _logger, _leases, _sender, _settler);

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
        _loops.Add(Task.Run(
            () => KissOutboxListener.ListenAsync(
                _services, _providers, worker.ContextType, worker.Signal, _options.Value.PollInterval, _time, _logger, _stopping),
            CancellationToken.None));
    }
}
