using System.Collections.Concurrent;
using System.Text;
using KissEf.Capture;
using KissEf.Logging;
using KissEf.Outbox;
using KissEf.Protocol;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KissEf.Dispatch;

/// <summary>
/// Where calls leave, with the outbox: one worker per DbContext type, each working through a context of its
/// own. A worker wakes on a commit or when the next row is due (at the latest every poll interval), claims a
/// batch of due rows with a lease, sends their calls with bounded concurrency, deletes what was delivered and
/// reschedules or buries what failed. On start it drains what an earlier process left; on stop it drains
/// within the shutdown timeout and gives back the leases of what it could not finish.
/// </summary>
internal sealed partial class KissOutboxDispatcher(
    IServiceProvider services,
    KissContextTypes contextTypes,
    KissHttpSender sender,
    IOptions<KissTrackingOptions> options,
    TimeProvider time,
    ILogger<KissOutboxDispatcher> logger) : BackgroundService, IKissDispatcher
{
    private readonly ConcurrentDictionary<Type, Worker> _workers = new();
    private readonly string _instance = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly List<Task> _loops = [];
    private CancellationToken _stopping;
    private volatile bool _running;
    private readonly CancellationTokenSource _drainStop = new();
    private long _claims;
    private IReadOnlyList<Type>? _registered;

    /// <summary>A commit of <paramref name="contextType"/> wrote rows: wake its worker (starting it if new).</summary>
    public void Wake(Type contextType) => GetWorker(contextType).Signal.Set();

    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        foreach (var worker in KnownWorkers())
        {
            while (await DrainOnceAsync(worker, cancellationToken).ConfigureAwait(false) > 0)
            {
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // A batch in flight finishes (within the shutdown timeout) rather than being cut: a cut batch is sent
        // again after its leases are given back.
        _drainStop.CancelAfter(options.Value.ShutdownTimeout);
        await using var registration = cancellationToken.Register(_drainStop.Cancel);
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        _running = false;
        foreach (var worker in _workers.Values)
        {
            try
            {
                while (await DrainOnceAsync(worker, _drainStop.Token).ConfigureAwait(false) > 0)
                {
                }
            }
            catch (OperationCanceledException)
            {
                // What is left stays in the table for the next start.
            }
        }
    }

    public override void Dispose()
    {
        _drainStop.Dispose();
        base.Dispose();
    }

    /// <summary>The workers of every context type known now: those registered in DI and those seen committing.</summary>
    internal IReadOnlyCollection<Worker> KnownWorkers()
    {
        foreach (var type in OutboxContextTypes())
        {
            GetWorker(type);
        }

        return [.. _workers.Values];
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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

        var found = new List<Type>();
        foreach (var type in contextTypes.All())
        {
            using var scope = services.CreateScope();
            if (scope.ServiceProvider.GetService(typeof(DbContextOptions<>).MakeGenericType(type)) is DbContextOptions dbOptions
                && dbOptions.FindExtension<KissOptionsExtension>() is { OutboxTable: not null })
            {
                found.Add(type);
            }
        }

        return _registered = found;
    }

    private Worker GetWorker(Type contextType)
    {
        if (_workers.TryGetValue(contextType, out var existing))
        {
            return existing;
        }

        lock (_loops)
        {
            var worker = _workers.GetOrAdd(contextType, static type => new Worker(type));
            if (_running && !worker.Started)
            {
                StartLoop(worker);
            }

            return worker;
        }
    }

    private void StartLoop(Worker worker)
    {
        if (worker.Started)
        {
            return;
        }

        worker.Started = true;
        _loops.Add(Task.Run(() => LoopAsync(worker, _stopping), CancellationToken.None));
    }

    private async Task LoopAsync(Worker worker, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = options.Value.PollInterval;
            try
            {
                while (!stoppingToken.IsCancellationRequested
                       && await DrainOnceAsync(worker, _drainStop.Token).ConfigureAwait(false) > 0)
                {
                }

                wait = await NextWaitAsync(worker, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                KissLog.DispatcherFailed(logger, exception);
            }

            try
            {
                await worker.Signal.WaitAsync(wait, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<TimeSpan> NextWaitAsync(Worker worker, CancellationToken cancellationToken)
    {
        var poll = options.Value.PollInterval;
        using var scope = services.CreateScope();
        var db = (DbContext)scope.ServiceProvider.GetRequiredService(worker.ContextType);
        if (await KissOutboxStore.NextDueAsync(db, cancellationToken).ConfigureAwait(false) is not { } due)
        {
            return poll;
        }

        var untilDue = TimeSpan.FromMilliseconds(Math.Max(due - time.GetUtcNow().ToUnixTimeMilliseconds(), 0) + 1);
        return untilDue < poll ? untilDue : poll;
    }

    /// <summary>Claims, sends and settles one batch; returns how many rows it claimed.</summary>
    private async Task<int> DrainOnceAsync(Worker worker, CancellationToken cancellationToken)
    {
        await worker.Lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var o = options.Value;
            using var scope = services.CreateScope();
            var db = (DbContext)scope.ServiceProvider.GetRequiredService(worker.ContextType);
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var owner = $"{_instance}/{Interlocked.Increment(ref _claims)}";
            var rows = await KissOutboxStore.ClaimAsync(
                db, owner, now, now + (long)o.LeaseDuration.TotalMilliseconds, o.ClaimBatchSize, cancellationToken).ConfigureAwait(false);
            if (rows.Count == 0)
            {
                return 0;
            }

            using var sending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var renewal = RenewLeaseAsync(worker.ContextType, owner, o.LeaseDuration, sending.Token);
            try
            {
                await SendAndSettleAsync(db, owner, rows, o, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping mid-batch: give the leases back so the next start need not wait for them to end.
                await KissOutboxStore.ReleaseAsync(db, owner, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
            finally
            {
                await sending.CancelAsync().ConfigureAwait(false);
                await renewal.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            return rows.Count;
        }
        finally
        {
            worker.Lock.Release();
        }
    }

    /// <summary>
    /// Extends the lease of a batch while it is being sent (every third of the lease), so a slow endpoint does
    /// not let another instance take the rows and send them again at the same time.
    /// </summary>
    private async Task RenewLeaseAsync(Type contextType, string owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        var every = lease / 3;
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(every, time, cancellationToken).ConfigureAwait(false);
            try
            {
                using var scope = services.CreateScope();
                var db = (DbContext)scope.ServiceProvider.GetRequiredService(contextType);
                var until = (time.GetUtcNow() + lease).ToUnixTimeMilliseconds();
                await KissOutboxStore.RenewAsync(db, owner, until, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                KissLog.DispatcherFailed(logger, exception);
            }
        }
    }

    private async Task SendAndSettleAsync(DbContext db, string owner, List<KissOutboxMessage> rows, KissTrackingOptions o, CancellationToken cancellationToken)
    {
        var outcomes = rows.Select(r => new RowOutcome(r)).ToArray();
        var work = outcomes.SelectMany(row => Enumerable.Range(0, row.Lines.Length).Select(line => (row, line)));
        await Parallel.ForEachAsync(
            work,
            new ParallelOptions { MaxDegreeOfParallelism = o.MaxConcurrency, CancellationToken = cancellationToken },
            async (item, token) =>
            {
                var line = item.row.Lines[item.line];
                var result = await sender.SendAsync(line, token).ConfigureAwait(false);
                item.row.Record(item.line, result);
                if (result.Delivered && logger.IsEnabled(LogLevel.Debug))
                {
                    KissLog.Delivered(logger, KissCall.Describe(line));
                }
            }).ConfigureAwait(false);

        var delivered = outcomes.Where(r => r.AllDelivered).Select(r => r.Row.Id).ToList();
        if (delivered.Count > 0)
        {
            await KissOutboxStore.DeleteAsync(db, owner, delivered, CancellationToken.None).ConfigureAwait(false);
        }

        var now = time.GetUtcNow();
        foreach (var outcome in outcomes.Where(r => !r.AllDelivered))
        {
            var row = outcome.Row;
            var attempts = row.Attempts + 1;
            var age = now - DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt);
            var dead = !outcome.Retryable || attempts >= o.MaxAttempts || age >= o.MaxAge;
            var delay = KissBackoff.Delay(attempts, o.RetryBaseDelay, o.MaxRetryDelay, outcome.RetryAfter);
            var (remaining, count) = outcome.Remaining();
            await KissOutboxStore.RescheduleAsync(
                db,
                owner,
                row,
                remaining,
                count,
                (now + delay).ToUnixTimeMilliseconds(),
                Truncate(outcome.Error ?? "unknown error", 1000),
                dead ? now.ToUnixTimeMilliseconds() : null,
                CancellationToken.None).ConfigureAwait(false);
            if (dead)
            {
                LogDead(logger, row.Id, count, attempts, outcome.Error ?? "unknown error");
            }
            else
            {
                KissLog.DeliveryFailed(logger, $"{count} call(s) of outbox row {row.Id}", attempts, outcome.Error ?? "unknown error");
            }
        }
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    [LoggerMessage(2007, LogLevel.Error, "KissEf kept outbox row {RowId} as dead with {Count} call(s) after {Attempts} attempt(s): {Error}. Retry it with IKissOutbox.RetryDeadAsync.")]
    private static partial void LogDead(ILogger logger, long rowId, int count, int attempts, string error);

    /// <summary>The state of one DbContext type's dispatching.</summary>
    internal sealed class Worker(Type contextType)
    {
        public Type ContextType { get; } = contextType;

        public KissWakeSignal Signal { get; } = new();

        /// <summary>One batch at a time per context type, so a flush waits for a batch in flight.</summary>
        public SemaphoreSlim Lock { get; } = new(1, 1);

        public bool Started { get; set; }
    }

    /// <summary>What became of each call of one claimed row.</summary>
    private sealed class RowOutcome
    {
        private readonly bool[] _delivered;
        private readonly Lock _gate = new();

        public RowOutcome(KissOutboxMessage row)
        {
            Row = row;
            Lines = row.Calls.Length == 0 ? [] : row.Calls.Split('\n');
            _delivered = new bool[Lines.Length];
        }

        public KissOutboxMessage Row { get; }

        public string[] Lines { get; }

        public bool Retryable { get; private set; } = true;

        public string? Error { get; private set; }

        public TimeSpan? RetryAfter { get; private set; }

        public bool AllDelivered
        {
            get
            {
                lock (_gate)
                {
                    return Array.TrueForAll(_delivered, d => d);
                }
            }
        }

        public void Record(int line, KissSendResult result)
        {
            lock (_gate)
            {
                if (result.Delivered)
                {
                    _delivered[line] = true;
                    return;
                }

                Error = result.Error;
                Retryable &= result.Retryable;
                if (result.RetryAfter is { } after && (RetryAfter is null || after > RetryAfter))
                {
                    RetryAfter = after;
                }
            }
        }

        /// <summary>The calls not delivered, to keep in the row.</summary>
        public (string Calls, int Count) Remaining()
        {
            var text = new StringBuilder();
            var count = 0;
            lock (_gate)
            {
                for (var i = 0; i < Lines.Length; i++)
                {
                    if (_delivered[i])
                    {
                        continue;
                    }

                    if (count++ > 0)
                    {
                        text.Append('\n');
                    }

                    text.Append(Lines[i]);
                }
            }

            return (text.ToString(), count);
        }
    }
}
