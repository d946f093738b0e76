using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using KissEf.Internal.Calls;
using KissEf.Internal.Capture;
using KissEf.Internal.Diagnostics;
using KissEf.Internal.Logging;
using KissEf.Internal.Protocol;
using KissEf.Internal.Providers.PostgreSql;
using KissEf.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KissEf.Internal.Outbox.Dispatch;

/// <summary>
/// Where calls leave, with the outbox: one worker per DbContext type, each working through a context of its
/// own. A worker wakes on a commit or when the next row is due (at the latest every poll interval), claims a
/// batch of due rows with a lease, sends their calls with bounded concurrency, deletes what was delivered and
/// reschedules or buries what failed. On start it drains what an earlier process left; on stop it drains
/// within the shutdown timeout and gives back the leases of what it could not finish.
/// <para>
/// A worker first looks at its outbox table (<see cref="KissOutboxTable"/>). While the table is missing (a host that
/// starts before its database is migrated) or the database cannot be reached, it waits quietly and looks again at
/// every poll (<see cref="CheckInterval"/>) and at every wake; a problem that lasts <see cref="ReportAfter"/>, or is
/// still there at stop, is logged once (2010, 2011) with what to do, and its end once (2012). A failure of its work is
/// looked at the same way: 2006, with its stack trace, is left for what neither explains. Stopping never throws: what
/// could not be drained stays in the table.
/// </para>
/// </summary>
internal sealed partial class KissOutboxDispatcher(
    IServiceProvider services,
    KissContextTypes contextTypes,
    KissHttpSender sender,
    IOptions<KissTrackingOptions> options,
    TimeProvider time,
    KissMetrics metrics,
    ILoggerFactory loggers) : BackgroundService, IKissDispatcher
{
    private readonly ILogger _logger = loggers.CreateLogger(KissLogCategories.OutboxDispatcher);

    private readonly ConcurrentDictionary<Type, Worker> _workers = new();
    private readonly string _instance = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly List<Task> _loops = [];
    private CancellationToken _stopping;
    private volatile bool _running;
    private readonly CancellationTokenSource _drainStop = new();
    private long _claims;
    private IReadOnlyList<Type>? _registered;

    /// <summary>
    /// How long a missing table or an unreachable database goes unreported: a host that migrates its database at start,
    /// beside the dispatcher (a hosted service, or right after the host starts), has its table within this time.
    /// </summary>
    internal static readonly TimeSpan ReportAfter = TimeSpan.FromSeconds(10);

    /// <summary>How often a worker without its table or database looks again: every poll, at least every 30 seconds.</summary>
    internal TimeSpan CheckInterval => options.Value.PollInterval < MaxCheckInterval ? options.Value.PollInterval : MaxCheckInterval;

    private static readonly TimeSpan MaxCheckInterval = TimeSpan.FromSeconds(30);

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
                await DrainAsync(worker, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                failure = exception;
            }

            await KissOutboxTable.ThrowExplainedAsync(services, worker.ContextType, "flush the outbox", failure, cancellationToken).ConfigureAwait(false);
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
        _drainStop.CancelAfter(options.Value.ShutdownTimeout);
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
            try
            {
                if (await IsReadyAsync(worker, final: true, _drainStop.Token).ConfigureAwait(false))
                {
                    await DrainAsync(worker, _drainStop.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // What is left stays in the table for the next start.
            }
            catch (Exception exception)
            {
                await ExplainFailureAsync(worker, exception, final: true, _drainStop.Token).ConfigureAwait(false);
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

        return _registered = [.. contextTypes.Tracked(services).Where(t => t.Extension.OutboxTable is not null).Select(t => t.Type)];
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

        // Other instances' commits: on PostgreSQL a LISTEN wakes the worker; elsewhere the poll finds them.
        _loops.Add(Task.Run(
            () => KissOutboxListener.ListenAsync(services, worker.ContextType, worker.Signal, options.Value.PollInterval, time, _logger, _stopping),
            CancellationToken.None));
    }

    private async Task LoopAsync(Worker worker, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = options.Value.PollInterval;
            try
            {
                if (await IsReadyAsync(worker, final: false, stoppingToken).ConfigureAwait(false))
                {
                    await DrainAsync(worker, _drainStop.Token).ConfigureAwait(false);

                    wait = await NextWaitAsync(worker, stoppingToken).ConfigureAwait(false);
                }
                else
                {
                    wait = UntilNextCheck(worker);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                await ExplainFailureAsync(worker, exception, final: false, stoppingToken).ConfigureAwait(false);
                if (!worker.Ready)
                {
                    wait = UntilNextCheck(worker);
                }
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

    /// <summary>
    /// Whether the worker may work: true once its table was read (and until its work fails). Otherwise it looks at the
    /// table now, and notes what it finds; <paramref name="final"/> (at stop) reports a problem not reported yet.
    /// </summary>
    private async Task<bool> IsReadyAsync(Worker worker, bool final, CancellationToken cancellationToken)
    {
        if (worker.Ready)
        {
            return true;
        }

        var check = await KissOutboxTable.CheckAsync(services, worker.ContextType, cancellationToken).ConfigureAwait(false);
        Note(worker, check, final);
        return check.State == KissTableState.Present;
    }

    /// <summary>
    /// The worker's work failed: a look at the table says whether the table or the database is the cause (noted, and
    /// reported once it has lasted) or not (2006, with the stack trace). Never throws.
    /// </summary>
    private async Task ExplainFailureAsync(Worker worker, Exception exception, bool final, CancellationToken cancellationToken)
    {
        try
        {
            if (KissOutboxTable.IsDatabaseError(exception))
            {
                var check = await KissOutboxTable.CheckAsync(services, worker.ContextType, cancellationToken).ConfigureAwait(false);
                if (check.State != KissTableState.Present)
                {
                    Note(worker, check, final);
                    return;
                }
            }

            KissLog.DispatcherFailed(_logger, exception);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // Stopping, or the loop, must go on whatever the look at the table did: it is logged.
        catch (Exception lookFailed)
#pragma warning restore CA1031
        {
            KissLog.DispatcherFailed(_logger, lookFailed);
        }
    }

    /// <summary>Records what a look at the table found, and logs a problem once it has lasted (or at stop), and its end.</summary>
    private void Note(Worker worker, KissTableCheck check, bool final)
    {
        var now = time.GetUtcNow();
        lock (worker.Gate)
        {
            if (check.State == KissTableState.Present)
            {
                worker.Ready = true;
                if (worker.Reported)
                {
                    KissLog.OutboxAvailableAgain(_logger, worker.ContextType.Name, check.Table);
                }

                worker.Trouble = KissTableState.Present;
                worker.Reported = false;
                return;
            }

            worker.Ready = false;
            if (worker.Trouble != check.State)
            {
                // A new problem (or another one): its own report, once it has lasted.
                worker.Trouble = check.State;
                worker.TroubleSince = now;
                worker.Reported = false;
            }

            if (worker.Reported || (!final && now - worker.TroubleSince < ReportAfter))
            {
                return;
            }

            worker.Reported = true;
            if (check.State == KissTableState.Missing)
            {
                KissLog.OutboxTableMissing(_logger, check.Table, worker.ContextType.Name, check.ErrorText, CheckInterval.TotalSeconds);
            }
            else
            {
                KissLog.OutboxDatabaseUnavailable(_logger, worker.ContextType.Name, check.ErrorText, CheckInterval.TotalSeconds);
            }
        }
    }

    /// <summary>The wait of a worker without its table or database: the check interval, and no later than its report is due.</summary>
    private TimeSpan UntilNextCheck(Worker worker)
    {
        var wait = CheckInterval;
        lock (worker.Gate)
        {
            if (!worker.Reported && worker.Trouble != KissTableState.Present)
            {
                var untilReport = worker.TroubleSince + ReportAfter - time.GetUtcNow();
                wait = untilReport < wait ? untilReport : wait;
            }
        }

        return wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1);
    }

    private async Task<TimeSpan> NextWaitAsync(Worker worker, CancellationToken cancellationToken)
    {
        var poll = options.Value.PollInterval;
        await using var own = KissOwnContext.Open(services, worker.ContextType);
        if (await KissOutboxStore.NextDueAsync(own.Db, cancellationToken).ConfigureAwait(false) is not { } due)
        {
            return poll;
        }

        var untilDue = TimeSpan.FromMilliseconds(Math.Max(due - time.GetUtcNow().ToUnixTimeMilliseconds(), 0) + 1);
        return untilDue < poll ? untilDue : poll;
    }

    /// <summary>
    /// Sends every due row, batch after batch; returns how many rows it claimed. While a batch is being sent,
    /// the previous one is settled and the next one claimed, so the database round trips do not leave the sender
    /// idle; the database work itself stays one step at a time (SQLite has one writer, and a waiting writer
    /// sleeps). One drain at a time per context type, so a flush waits for a drain in flight.
    /// </summary>
    private async Task<int> DrainAsync(Worker worker, CancellationToken cancellationToken)
    {
        await worker.Lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        Claim? current = null;
        Claim? next = null;
        var settling = Task.CompletedTask;
        var total = 0;
        try
        {
            current = await ClaimAsync(worker.ContextType, cancellationToken).ConfigureAwait(false);
            while (current is not null)
            {
                var sending = SendAsync(worker.ContextType, current.Rows, cancellationToken);
                try
                {
                    await settling.ConfigureAwait(false);
                    next = await ClaimAsync(worker.ContextType, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    // Never leave the sends running unobserved, whatever the database did.
                    await ((Task)sending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }

                var outcomes = await sending.ConfigureAwait(false);
                settling = SettleAsync(current, outcomes);
                total += current.Rows.Count;
                current = next;
                next = null;
            }

            await settling.ConfigureAwait(false);
            return total;
        }
        catch (Exception)
        {
            // Stopping mid-drain, or the database failed: give the leases back so the next drain (or start) need not
            // wait for them to end, and stop renewing them. With the database gone the give-back fails too: the leases
            // then end by themselves.
            await settling.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await GiveBackAsync(current).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await GiveBackAsync(next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
        finally
        {
            worker.Lock.Release();
        }
    }

    /// <summary>Claims a batch of due rows, through a context of its own, and keeps its lease alive.</summary>
    private async Task<Claim?> ClaimAsync(Type contextType, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var own = KissOwnContext.Open(services, contextType);
        try
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var owner = $"{_instance}/{Interlocked.Increment(ref _claims)}";
            var rows = await KissOutboxStore.ClaimAsync(
                own.Db, owner, now, now + (long)o.LeaseDuration.TotalMilliseconds, o.ClaimBatchSize, cancellationToken).ConfigureAwait(false);
            if (rows.Count == 0)
            {
                await own.DisposeAsync().ConfigureAwait(false);
                return null;
            }

            var renewing = new CancellationTokenSource();
            return new Claim(own, owner, rows, renewing, RenewLeaseAsync(contextType, owner, o.LeaseDuration, renewing.Token));
        }
        catch
        {
            await own.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task GiveBackAsync(Claim? claim)
    {
        if (claim is null)
        {
            return;
        }

        await using (claim.ConfigureAwait(false))
        {
            await claim.StopRenewingAsync().ConfigureAwait(false);
            await KissOutboxStore.ReleaseAsync(claim.Db, claim.Owner, CancellationToken.None).ConfigureAwait(false);
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
                await using var own = KissOwnContext.Open(services, contextType);
                var until = (time.GetUtcNow() + lease).ToUnixTimeMilliseconds();
                await KissOutboxStore.RenewAsync(own.Db, owner, until, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // A database error is the drain's to explain (its settle or next claim meets it too): once, not per renewal.
                if (!KissOutboxTable.IsDatabaseError(exception))
                {
                    KissLog.DispatcherFailed(_logger, exception);
                }
            }
        }
    }

    /// <summary>Sends every call of the claimed rows, <c>MaxConcurrency</c> at a time.</summary>
    private async Task<RowOutcome[]> SendAsync(Type contextType, List<KissOutboxMessage> rows, CancellationToken cancellationToken)
    {
        var outcomes = new RowOutcome[rows.Count];
        var calls = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            outcomes[i] = new RowOutcome(rows[i]);
            calls += outcomes[i].Lines.Length;
        }

        var work = new (RowOutcome Row, int Line)[calls];
        var next = 0;
        foreach (var outcome in outcomes)
        {
            for (var line = 0; line < outcome.Lines.Length; line++)
            {
                work[next++] = (outcome, line);
            }
        }

        // One span per batch, linked to the trace of each save whose row it sends (KissTraceHeader).
        using var activity = KissActivitySource.StartBatch("outbox", contextType.Name, calls, outcomes, static o => o.Trace);
        var delivered = 0;
        var failed = 0;
        var client = sender.CreateClient();
        await Parallel.ForEachAsync(
            work,
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxConcurrency, CancellationToken = cancellationToken },
            async (item, token) =>
            {
                // Once a call of the row failed retryably and none got through (the endpoint is down, or limits us), its
                // other calls wait for the row's next attempt: during an outage a row costs at most MaxConcurrency
                // requests per attempt, not one per call. A call of the row delivered since lets the others go on.
                if (item.Row.HoldsBack)
                {
                    return;
                }

                var line = item.Row.Line(item.Line);
                var result = await sender.SendAsync(client, line, token).ConfigureAwait(false);
                item.Row.Record(item.Line, result);
                if (result.Delivered)
                {
                    // The row was written in the save's transaction: its creation time stands for the commit.
                    Interlocked.Increment(ref delivered);
                    metrics.Delivered(line.Span, (time.GetUtcNow().ToUnixTimeMilliseconds() - item.Row.Row.CreatedAt) / 1000.0);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                    metrics.Failed(line.Span);
                }

                if (result.Delivered && _logger.IsEnabled(LogLevel.Debug))
                {
                    KissLog.Delivered(_logger, KissCall.Describe(line.Span));
                }
            }).ConfigureAwait(false);
        KissActivitySource.Finish(activity, delivered, failed);
        return outcomes;
    }

    /// <summary>
    /// Deletes the delivered rows and reschedules or buries the others, then lets the claim go. A row is retried until
    /// it is older than <c>MaxAge</c> (or has had <c>OutboxMaxAttempts</c>); calls the endpoint refused (a status other
    /// than 408, 429, 5xx) are dead at once, moved to a dead row of their own when other calls of the row are still
    /// worth trying.
    /// </summary>
    private async Task SettleAsync(Claim claim, RowOutcome[] outcomes)
    {
        await using (claim.ConfigureAwait(false))
        {
            await claim.StopRenewingAsync().ConfigureAwait(false);
            var o = options.Value;
            var delivered = outcomes.Where(r => r.AllDelivered).Select(r => r.Row.Id).ToList();
            if (delivered.Count > 0)
            {
                await KissOutboxStore.DeleteAsync(claim.Db, claim.Owner, delivered, CancellationToken.None).ConfigureAwait(false);
            }

            var now = time.GetUtcNow();
            foreach (var outcome in outcomes.Where(r => !r.AllDelivered))
            {
                var row = outcome.Row;
                var attempts = row.Attempts + 1;
                var age = now - DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt);
                var expired = age >= o.MaxAge || attempts >= o.OutboxMaxAttempts;
                var delay = KissBackoff.Delay(attempts, o.RetryBaseDelay, o.MaxRetryDelay, outcome.RetryAfter);
                var next = (now + delay).ToUnixTimeMilliseconds();
                var pending = outcome.Remaining(refused: false);
                var refused = outcome.Remaining(refused: true);
                var retryError = Truncate(outcome.RetryError ?? outcome.Refusal ?? "unknown error", 1000);
                if (pending.Count > 0 && refused.Count > 0 && !expired)
                {
                    var refusal = Truncate(outcome.Refusal!, 1000);
                    if (await KissOutboxStore.RescheduleAndBuryAsync(
                            claim.Db, claim.Owner, row, pending, next, retryError, refused, refusal, now.ToUnixTimeMilliseconds(), CancellationToken.None)
                        .ConfigureAwait(false) is { } deadId)
                    {
                        KissLog.OutboxRowDead(_logger, deadId, refused.Count, attempts, refusal);
                        metrics.DeadRow(refused.Calls);
                        KissLog.DeliveryFailed(_logger, $"{pending.Count} call(s) of outbox row {row.Id}", attempts, retryError);
                    }

                    continue;
                }

                // One row: all it keeps is dead (refused, or out of time), or all of it is worth trying again.
                var dead = pending.Count == 0 || expired;
                var (calls, count) = outcome.Remaining(refused: null);
                var error = pending.Count == 0 ? Truncate(outcome.Refusal ?? "unknown error", 1000) : retryError;
                await KissOutboxStore.RescheduleAsync(
                    claim.Db,
                    claim.Owner,
                    row,
                    calls,
                    count,
                    next,
                    error,
                    dead ? now.ToUnixTimeMilliseconds() : null,
                    CancellationToken.None).ConfigureAwait(false);
                if (dead)
                {
                    KissLog.OutboxRowDead(_logger, row.Id, count, attempts, error);
                    metrics.DeadRow(calls);
                }
                else
                {
                    KissLog.DeliveryFailed(_logger, $"{count} call(s) of outbox row {row.Id}", attempts, error);
                }
            }
        }
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    /// <summary>A claimed batch: the context it was claimed through, its lease owner, its rows and the lease's renewal.</summary>
    private sealed class Claim(KissOwnContext own, string owner, List<KissOutboxMessage> rows, CancellationTokenSource renewing, Task renewal)
        : IAsyncDisposable
    {
        public DbContext Db => own.Db;

        public string Owner { get; } = owner;

        public List<KissOutboxMessage> Rows { get; } = rows;

        public async Task StopRenewingAsync()
        {
            await renewing.CancelAsync().ConfigureAwait(false);
            await renewal.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        public async ValueTask DisposeAsync()
        {
            await StopRenewingAsync().ConfigureAwait(false);
            renewing.Dispose();
            await own.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The state of one DbContext type's dispatching.</summary>
    internal sealed class Worker(Type contextType)
    {
        private bool _ready;

        public Type ContextType { get; } = contextType;

        public KissWakeSignal Signal { get; } = new();

        /// <summary>One batch at a time per context type, so a flush waits for a batch in flight.</summary>
        public SemaphoreSlim Lock { get; } = new(1, 1);

        public bool Started { get; set; }

        /// <summary>Guards the fields below: the loop, a flush and the stop may look at the table at once.</summary>
        public Lock Gate { get; } = new();

        /// <summary>The table was read, and the work has not failed since: the worker drains without looking first.</summary>
        public bool Ready
        {
            get => Volatile.Read(ref _ready);
            set => Volatile.Write(ref _ready, value);
        }

        /// <summary>The problem being waited out (Missing or Unreachable), or Present for none.</summary>
        public KissTableState Trouble { get; set; }

        /// <summary>Since when <see cref="Trouble"/> lasts.</summary>
        public DateTimeOffset TroubleSince { get; set; }

        /// <summary>Whether <see cref="Trouble"/> was logged (2010, 2011): once per problem.</summary>
        public bool Reported { get; set; }
    }

    /// <summary>What became of each call of one claimed row.</summary>
    private sealed class RowOutcome
    {
        private readonly LineState[] _states;
        private readonly Lock _gate = new();

        // The row's text as the codec reads it: its trace header (never sent) and where each call's line stands.
        private readonly KissOutboxRowReader _text;
        private volatile bool _failed;
        private volatile bool _delivered;

        public RowOutcome(KissOutboxMessage row)
        {
            Row = row;
            _text = new KissOutboxRowReader(row.Calls);
            Trace = _text.Trace;
            Lines = _text.LineRanges();
            _states = new LineState[Lines.Length];
        }

        private enum LineState : byte
        {
            /// <summary>Not sent in this attempt (held back), or failed with an error worth retrying.</summary>
            Pending,
            Delivered,

            /// <summary>The endpoint refused it (a status other than 408, 429, 5xx): sending it again would not help.</summary>
            Refused,
        }

        public KissOutboxMessage Row { get; }

        /// <summary>The trace context of the save that wrote the row; default for a row written without one.</summary>
        public ActivityContext Trace { get; }

        /// <summary>Where each call's line stands in the row's text (sent from there, never copied out).</summary>
        public Range[] Lines { get; }

        public ReadOnlyMemory<char> Line(int index) => Row.Calls.AsMemory(Lines[index]);

        /// <summary>
        /// A call of this row failed retryably and none was delivered in this attempt: the calls not yet started wait
        /// for the row's next attempt.
        /// </summary>
        public bool HoldsBack => _failed && !_delivered;

        /// <summary>The last retryable error, if any.</summary>
        public string? RetryError { get; private set; }

        /// <summary>The last refusal, if any.</summary>
        public string? Refusal { get; private set; }

        public TimeSpan? RetryAfter { get; private set; }

        public bool AllDelivered
        {
            get
            {
                lock (_gate)
                {
                    return Array.TrueForAll(_states, s => s == LineState.Delivered);
                }
            }
        }

        public void Record(int line, KissSendResult result)
        {
            lock (_gate)
            {
                if (result.Delivered)
                {
                    _states[line] = LineState.Delivered;
                    _delivered = true;
                    return;
                }

                if (!result.Retryable)
                {
                    _states[line] = LineState.Refused;
                    Refusal = result.Error ?? "refused";
                    return;
                }

                _failed = true;
                RetryError = result.Error;
                if (result.RetryAfter is { } after && (RetryAfter is null || after > RetryAfter))
                {
                    RetryAfter = after;
                }
            }
        }

        /// <summary>
        /// The calls not delivered, to keep: the refused ones (<paramref name="refused"/> true), the pending ones
        /// (false), or both (null).
        /// </summary>
        public (string Calls, int Count) Remaining(bool? refused)
        {
            // The calls kept stay with the trace context of their save.
            var text = KissOutboxRowWriter.Start(new StringBuilder(), _text.Header);
            lock (_gate)
            {
                for (var i = 0; i < Lines.Length; i++)
                {
                    var state = _states[i];
                    if (state == LineState.Delivered || (refused is { } want && want != (state == LineState.Refused)))
                    {
                        continue;
                    }

                    text.Line(Row.Calls.AsSpan(Lines[i]));
                }
            }

            return text.Count == 0 ? (string.Empty, 0) : (text.ToString(), text.Count);
        }
    }
}
