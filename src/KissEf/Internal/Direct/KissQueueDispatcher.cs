using KissEf.Internal.Capture;
using KissEf.Internal.Diagnostics;
using KissEf.Internal.Logging;
using KissEf.Internal.Protocol;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KissEf.Internal.Direct;

/// <summary>
/// Sends what waits in <see cref="KissCallQueue"/>: a hosted background loop, and <see cref="FlushAsync"/> for
/// callers that must know their calls went out. Batches are taken in queue order and finished whole, so
/// "finished" counts a prefix of the queue and a flush knows exactly when its calls are done.
/// </summary>
internal sealed class KissQueueDispatcher(
    KissCallQueue queue,
    KissHttpSender sender,
    IOptions<KissTrackingOptions> options,
    KissMetrics metrics,
    TimeProvider time,
    ILoggerFactory loggers) : BackgroundService, IKissDispatcher
{
    private readonly ILogger _logger = loggers.CreateLogger(KissLogCategories.QueueDispatcher);

    private readonly SemaphoreSlim _drainLock = new(1, 1);
    private readonly CancellationTokenSource _drainStop = new();

    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var target = queue.Enqueued;
        while (queue.Finished < target)
        {
            if (!await DrainBatchAsync(cancellationToken).ConfigureAwait(false) && queue.Finished < target)
            {
                // Nothing left to read: what is missing was dropped or is still being counted.
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // A batch in flight finishes (within the shutdown timeout) rather than being cut.
        _drainStop.CancelAfter(options.Value.ShutdownTimeout);
        await using var registration = cancellationToken.Register(_drainStop.Cancel);
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (await DrainBatchAsync(_drainStop.Token).ConfigureAwait(false))
            {
            }
        }
        catch (OperationCanceledException)
        {
            KissLog.ShutdownLeftCalls(_logger, queue.Count);
        }
    }

    public override void Dispose()
    {
        _drainLock.Dispose();
        _drainStop.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A design-time tool that starts the host: nothing to send (see KissDesignTime).
        if (KissDesignTime.IsActive)
        {
            return;
        }

        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await DrainBatchAsync(_drainStop.Token).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    KissLog.DispatcherFailed(_logger, exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync drains what is left within the shutdown timeout.
        }
    }

    /// <summary>Sends one batch; returns false when the queue was empty.</summary>
    private async Task<bool> DrainBatchAsync(CancellationToken cancellationToken)
    {
        await _drainLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var batch = new List<KissQueuedCall>();
            var limit = Math.Max(options.Value.MaxConcurrency * 8, 1);
            while (batch.Count < limit && queue.Reader.TryRead(out var call))
            {
                batch.Add(call);
            }

            if (batch.Count == 0)
            {
                return false;
            }

            using var activity = KissActivitySource.StartBatch("direct", null, batch.Count, batch, static c => c.Trace);
            var outcome = new int[2];
            try
            {
                var client = sender.CreateClient();
                await Parallel.ForEachAsync(
                    batch,
                    new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxConcurrency, CancellationToken = cancellationToken },
                    (call, token) => SendAsync(client, call, outcome, token)).ConfigureAwait(false);
            }
            finally
            {
                queue.MarkFinished(batch.Count);
                KissActivitySource.Finish(activity, outcome[0], outcome[1]);
            }

            return true;
        }
        finally
        {
            _drainLock.Release();
        }
    }

    /// <summary>Sends one call; <paramref name="outcome"/> counts the batch's delivered [0] and failed [1] calls.</summary>
    private async ValueTask SendAsync(HttpClient client, KissQueuedCall queued, int[] outcome, CancellationToken cancellationToken)
    {
        var call = queued.Call;
        var result = await sender.SendAsync(client, call.Line.AsMemory(), queued.Tenant, cancellationToken).ConfigureAwait(false);
        if (result.Delivered)
        {
            Interlocked.Increment(ref outcome[0]);
            metrics.Delivered(call.Line, (time.GetUtcNow().ToUnixTimeMilliseconds() - queued.QueuedAt) / 1000.0);
            KissLog.Delivered(_logger, call.Description);
        }
        else
        {
            // The request's own retries are over: the call is given up (direct delivery keeps nothing).
            Interlocked.Increment(ref outcome[1]);
            metrics.Failed(call.Line);
            metrics.Dead(call.Line);
            KissLog.DeliveryFailed(_logger, call.Description, result.Retryable ? options.Value.MaxAttempts : 1, result.Error ?? "unknown error");
        }
    }
}
