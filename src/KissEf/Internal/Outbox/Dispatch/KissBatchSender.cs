using KissEf.Internal.Calls;
using KissEf.Internal.Diagnostics;
using KissEf.Internal.Logging;
using KissEf.Internal.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KissEf.Internal.Outbox.Dispatch;

/// <summary>
/// Sends a claimed batch: every call of its rows, at most <c>MaxConcurrency</c> at once, each recorded on its row's
/// <see cref="KissRowOutcome"/>; counts what was delivered and what failed (with the delivery latency), and traces the
/// batch in one span linked to the saves whose rows it sends. Changes nothing in the table: the settler does.
/// </summary>
internal sealed class KissBatchSender(
    KissHttpSender sender,
    IOptions<KissTrackingOptions> options,
    TimeProvider time,
    KissMetrics metrics,
    ILogger logger)
{
    private SemaphoreSlim? _slots;

    /// <summary>
    /// The calls in flight of every worker together: <c>MaxConcurrency</c> is how many calls the application sends at
    /// once. With <c>UseTenants</c> there is a worker per tenant database, and 100 tenants draining at once would
    /// otherwise send 400 calls at once, whose requests time out waiting for a connection, and are sent again. Never
    /// disposed: it waits on no handle.
    /// </summary>
    private SemaphoreSlim Slots => LazyInitializer.EnsureInitialized(ref _slots, () => new SemaphoreSlim(options.Value.MaxConcurrency));

    /// <summary>What a call not sent because its batch's lease was ending is recorded as: pending, for the row's next attempt.</summary>
    private static readonly KissSendResult LeaseEnding = new(false, true, "not sent: the lease of its batch was running out", null);

    /// <summary>
    /// Sends every call of the claimed rows, <c>MaxConcurrency</c> at a time (all workers together). A call is started
    /// only while the claim's lease has a third of it left (<see cref="KissClaim.Ending"/>): past that, another instance
    /// may take the rows before this one deletes them, and would send again what this one sent; the calls left wait for
    /// the row's next attempt.
    /// </summary>
    public async Task<KissRowOutcome[]> SendAsync(KissOutboxTarget target, KissClaim claim, CancellationToken cancellationToken)
    {
        var rows = claim.Rows;
        var outcomes = new KissRowOutcome[rows.Count];
        var calls = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            outcomes[i] = new KissRowOutcome(rows[i]);
            calls += outcomes[i].Lines.Length;
        }

        var work = new (KissRowOutcome Row, int Line)[calls];
        var next = 0;
        foreach (var outcome in outcomes)
        {
            for (var line = 0; line < outcome.Lines.Length; line++)
            {
                work[next++] = (outcome, line);
            }
        }

        // One span per batch, linked to the trace of each save whose row it sends (KissTraceHeader).
        using var activity = KissActivitySource.StartBatch("outbox", target.ContextType.Name, calls, outcomes, static o => o.Trace);
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

                if (claim.Ending(time.GetUtcNow().ToUnixTimeMilliseconds()))
                {
                    item.Row.Record(item.Line, LeaseEnding);
                    return;
                }

                var line = item.Row.Line(item.Line);
                KissSendResult result;
                await Slots.WaitAsync(token).ConfigureAwait(false);
                try
                {
                    // While it waited for a slot, another call of its row may have failed.
                    if (item.Row.HoldsBack)
                    {
                        return;
                    }

                    result = await sender.SendAsync(client, line, item.Row.Tenant, token).ConfigureAwait(false);
                    item.Row.Record(item.Line, result);
                }
                finally
                {
                    Slots.Release();
                }

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

                if (result.Delivered && logger.IsEnabled(LogLevel.Debug))
                {
                    KissLog.Delivered(logger, KissCall.Describe(line.Span));
                }
            }).ConfigureAwait(false);
        KissActivitySource.Finish(activity, delivered, failed);
        return outcomes;
    }
}
