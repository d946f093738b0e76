using KissEf.Internal.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KissEf.Internal.Outbox.Dispatch;

/// <summary>
/// The dispatching of one DbContext type, through contexts of its own. It wakes on a commit (its <see cref="Signal"/>)
/// or when the next row is due (at the latest every poll interval), and drains: claims a batch of due rows with a lease
/// (<see cref="KissOutboxLeases"/>), sends it (<see cref="KissBatchSender"/>) and settles it (<see cref="KissRowSettler"/>).
/// <para>
/// It first looks at its outbox table (<see cref="KissOutboxTable"/>). While the table is missing (a host that starts
/// before its database is migrated) or the database cannot be reached, it waits quietly and looks again at every poll
/// (<see cref="CheckInterval"/>) and at every wake; a problem that lasts <see cref="ReportAfter"/>, or is still there at
/// stop, is logged once (2010, 2011) with what to do, and its end once (2012). A failure of its work is looked at the
/// same way: 2006, with its stack trace, is left for what neither explains.
/// </para>
/// </summary>
internal sealed class KissOutboxWorker(
    KissOutboxTarget target,
    IOptions<KissTrackingOptions> options,
    TimeProvider time,
    ILogger logger,
    KissOutboxLeases leases,
    KissBatchSender sender,
    KissRowSettler settler)
{
    private static readonly TimeSpan MaxCheckInterval = TimeSpan.FromSeconds(30);

    /// <summary>Guards the table's state below: the loop, a flush and the stop may look at the table at once.</summary>
    private readonly Lock _gate = new();

    private bool _ready;

    /// <summary>The problem being waited out (Missing or Unreachable), or Present for none.</summary>
    private KissTableState _trouble;

    /// <summary>Since when <see cref="_trouble"/> lasts.</summary>
    private DateTimeOffset _troubleSince;

    /// <summary>Whether <see cref="_trouble"/> was logged (2010, 2011): once per problem.</summary>
    private bool _reported;

    /// <summary>
    /// How long a missing table or an unreachable database goes unreported: a host that migrates its database at start,
    /// beside the dispatcher (a hosted service, or right after the host starts), has its table within this time.
    /// </summary>
    public static readonly TimeSpan ReportAfter = TimeSpan.FromSeconds(10);

    /// <summary>How often a worker without its table or database looks again: every poll, at least every 30 seconds.</summary>
    public TimeSpan CheckInterval => options.Value.PollInterval < MaxCheckInterval ? options.Value.PollInterval : MaxCheckInterval;

    /// <summary>The outbox table it works: a context type's, in the application's database or a tenant's.</summary>
    public KissOutboxTarget Target { get; } = target;

    /// <summary>Set by a commit of this context type (here or, through a listener, elsewhere): the worker drains.</summary>
    public KissWakeSignal Signal { get; } = new();

    /// <summary>
    /// One drain at a time per context type, so a flush waits for a drain in flight. Never disposed: it waits on no
    /// handle, and a flush may still release it after the host is disposed.
    /// </summary>
    private SemaphoreSlim DrainLock { get; } = new(1, 1);

    /// <summary>
    /// Cancelled when the worker's tenants have left the application (<see cref="Retire"/>). Never disposed: it has no
    /// timer, and no one waits on its handle.
    /// </summary>
    private CancellationTokenSource Retirement { get; } = new();

    /// <summary>Whether its loop was started (by the host, under its lock).</summary>
    public bool Started { get; set; }

    /// <summary>The table was read, and the work has not failed since: the worker drains without looking first.</summary>
    private bool Ready
    {
        get => Volatile.Read(ref _ready);
        set => Volatile.Write(ref _ready, value);
    }

    /// <summary>
    /// The drain at stop, within <paramref name="cancellationToken"/> (the shutdown timeout). Never throws, whatever the
    /// database's state: a missing table or an unreachable database is logged once (2010, 2011) and the calls left stay
    /// in the table for the next start.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await IsReadyAsync(final: true, cancellationToken).ConfigureAwait(false))
            {
                await DrainAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // What is left stays in the table for the next start.
        }
        catch (Exception exception)
        {
            await ExplainFailureAsync(exception, final: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The worker's loop, until the host stops (or the worker retires): drains when the table can be read, then waits for
    /// a wake, the next due row or the poll; without its table, for the next look. A drain in flight at stop finishes
    /// within <paramref name="drainToken"/> (the shutdown timeout).
    /// </summary>
    public async Task LoopAsync(CancellationToken hostStopping, CancellationToken drainToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(hostStopping, Retirement.Token);
        var stoppingToken = stopping.Token;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = options.Value.PollInterval;
            try
            {
                if (await IsReadyAsync(final: false, stoppingToken).ConfigureAwait(false))
                {
                    await DrainAsync(drainToken).ConfigureAwait(false);

                    wait = await NextWaitAsync(stoppingToken).ConfigureAwait(false);
                }
                else
                {
                    wait = UntilNextCheck();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                await ExplainFailureAsync(exception, final: false, stoppingToken).ConfigureAwait(false);
                if (!Ready)
                {
                    wait = UntilNextCheck();
                }
            }

            try
            {
                await Signal.WaitAsync(wait, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Ends the loop (after its drain in flight, if any): the tenants of its table have left the application.</summary>
    public void Retire() => Retirement.Cancel();

    /// <summary>
    /// Whether the worker may work: true once its table was read (and until its work fails). Otherwise it looks at the
    /// table now, and notes what it finds; <paramref name="final"/> (at stop) reports a problem not reported yet.
    /// </summary>
    private async Task<bool> IsReadyAsync(bool final, CancellationToken cancellationToken)
    {
        if (Ready)
        {
            return true;
        }

        var check = await KissOutboxTable.CheckAsync(Target, cancellationToken).ConfigureAwait(false);
        Note(check, final);
        return check.State == KissTableState.Present;
    }

    /// <summary>
    /// The worker's work failed: a look at the table says whether the table or the database (with tenants, entering the
    /// tenant) is the cause (noted, and reported once it has lasted) or not (2006, with the stack trace). Never throws.
    /// </summary>
    private async Task ExplainFailureAsync(Exception exception, bool final, CancellationToken cancellationToken)
    {
        try
        {
            // With tenants, entering the tenant may have failed too: a look says whether it does now.
            if (KissOutboxTable.IsDatabaseError(exception) || Target.TenantId is not null)
            {
                var check = await KissOutboxTable.CheckAsync(Target, cancellationToken).ConfigureAwait(false);
                if (check.State != KissTableState.Present)
                {
                    Note(check, final);
                    return;
                }

                // A transient error of the database (a restart, a dropped connection) that is over by the time of the
                // look: an outage shorter than a poll, waited out like a longer one (its rows' leases end, and the next
                // drain takes them). Seen on CI: PostgreSQL restarted between a settle's failure and the look.
                if (KissOutboxTable.DatabaseError(exception) is { IsTransient: true })
                {
                    return;
                }
            }

            KissLog.DispatcherFailed(logger, exception);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // Stopping, or the loop, must go on whatever the look at the table did: it is logged.
        catch (Exception lookFailed)
#pragma warning restore CA1031
        {
            KissLog.DispatcherFailed(logger, lookFailed);
        }
    }

    /// <summary>Records what a look at the table found, and logs a problem once it has lasted (or at stop), and its end.</summary>
    private void Note(KissTableCheck check, bool final)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (check.State == KissTableState.Present)
            {
                Ready = true;
                if (_reported)
                {
                    KissLog.OutboxAvailableAgain(logger, Target.Label, check.Table);
                }

                _trouble = KissTableState.Present;
                _reported = false;
                return;
            }

            Ready = false;
            if (_trouble != check.State)
            {
                // A new problem (or another one): its own report, once it has lasted.
                _trouble = check.State;
                _troubleSince = now;
                _reported = false;
            }

            if (_reported || (!final && now - _troubleSince < ReportAfter))
            {
                return;
            }

            _reported = true;
            if (check.State == KissTableState.Missing)
            {
                KissLog.OutboxTableMissing(logger, check.Table, Target.ContextType.Name, check.ErrorText, CheckInterval.TotalSeconds);
            }
            else
            {
                KissLog.OutboxDatabaseUnavailable(logger, Target.Label, check.ErrorText, CheckInterval.TotalSeconds);
            }
        }
    }

    /// <summary>The wait of a worker without its table or database: the check interval, and no later than its report is due.</summary>
    private TimeSpan UntilNextCheck()
    {
        var wait = CheckInterval;
        lock (_gate)
        {
            if (!_reported && _trouble != KissTableState.Present)
            {
                var untilReport = _troubleSince + ReportAfter - time.GetUtcNow();
                wait = untilReport < wait ? untilReport : wait;
            }
        }

        return wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1);
    }

    private async Task<TimeSpan> NextWaitAsync(CancellationToken cancellationToken)
    {
        var poll = options.Value.PollInterval;
        await using var own = await Target.OpenAsync(cancellationToken).ConfigureAwait(false);
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
    public async Task<int> DrainAsync(CancellationToken cancellationToken)
    {
        await DrainLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        KissClaim? current = null;
        KissClaim? next = null;
        var settling = Task.CompletedTask;
        var total = 0;
        try
        {
            current = await leases.ClaimAsync(Target, cancellationToken).ConfigureAwait(false);
            while (current is not null)
            {
                if (!await leases.KeepAsync(Target, current, cancellationToken).ConfigureAwait(false))
                {
                    // Its lease ran out before it was sent (a slow claim, or a wait behind the batch in flight) and
                    // another instance took rows of it: that one sends them, this one gives the rest back unsent.
                    var lapsed = current;
                    current = null;
                    await KissOutboxLeases.GiveBackAsync(lapsed).ConfigureAwait(false);
                    current = await leases.ClaimAsync(Target, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var sending = sender.SendAsync(Target, current, cancellationToken);
                try
                {
                    await settling.ConfigureAwait(false);
                    next = await leases.ClaimAsync(Target, cancellationToken).ConfigureAwait(false);
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
            await KissOutboxLeases.GiveBackAsync(current).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await KissOutboxLeases.GiveBackAsync(next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }
        finally
        {
            DrainLock.Release();
        }
    }

    /// <summary>
    /// Settles a sent batch, its lease renewed first if that is due: a row that another instance took before its
    /// delete ran would be sent again. Rows taken already are the settle's to leave alone (its statements are
    /// owner-guarded), so what the renewal finds does not matter here.
    /// </summary>
    private async Task SettleAsync(KissClaim claim, KissRowOutcome[] outcomes)
    {
        await leases.KeepAsync(Target, claim, CancellationToken.None).ConfigureAwait(false);
        await settler.SettleAsync(claim, outcomes).ConfigureAwait(false);
    }
}
