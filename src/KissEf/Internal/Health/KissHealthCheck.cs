using KissEf.Internal.Capture;
using KissEf.Internal.Direct;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace KissEf.Internal.Health;

/// <summary>
/// The "kissef" health check. Outbox: Degraded when dead calls exist or the oldest pending call is older than
/// <see cref="KissTrackingOptions.HealthPendingAgeThreshold"/>, Unhealthy when the outbox cannot be read, with
/// <see cref="IKissOutbox.GetStateAsync"/> in the data. Direct delivery: the queue's length in the data,
/// Degraded when it is full (new calls are being dropped). Any other delivery (the testing kit's recorder):
/// Healthy. Whatever the delivery: Degraded (unless worse) once a context saved entities of mapped types without
/// <c>UseKissTracking</c> (log 1007), with the contexts in the data.
/// </summary>
internal sealed class KissHealthCheck(IServiceProvider services, IOptions<KissTrackingOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var result = await CheckDeliveryAsync(context, cancellationToken).ConfigureAwait(false);
        if (services.GetService(typeof(KissUntrackedContexts)) is not KissUntrackedContexts { Untracked: { Count: > 0 } untracked })
        {
            return result;
        }

        var data = new Dictionary<string, object>(result.Data) { ["UntrackedContexts"] = string.Join(", ", untracked) };
        return new HealthCheckResult(
            result.Status == HealthStatus.Healthy ? HealthStatus.Degraded : result.Status,
            $"{result.Description} Not tracked: {string.Join(", ", untracked)} saved entities KissEf maps without UseKissTracking (log 1007).",
            result.Exception,
            data);
    }

    private async Task<HealthCheckResult> CheckDeliveryAsync(HealthCheckContext context, CancellationToken cancellationToken)
    {
        if (services.GetService(typeof(IKissOutbox)) is IKissOutbox outbox)
        {
            return await CheckOutboxAsync(outbox, context, cancellationToken).ConfigureAwait(false);
        }

        if (services.GetService(typeof(KissCallQueue)) is KissCallQueue queue)
        {
            var capacity = options.Value.QueueCapacity;
            var data = new Dictionary<string, object> { ["Delivery"] = nameof(KissDelivery.Direct), ["QueuedCalls"] = queue.Count, ["QueueCapacity"] = capacity };
            return queue.Count >= capacity
                ? HealthCheckResult.Degraded("KissEf's in-memory queue is full: new calls are dropped.", data: data)
                : HealthCheckResult.Healthy($"KissEf direct delivery: {queue.Count} call(s) waiting in memory.", data);
        }

        return HealthCheckResult.Healthy("KissEf sends nothing with this delivery.");
    }

    private async Task<HealthCheckResult> CheckOutboxAsync(IKissOutbox outbox, HealthCheckContext context, CancellationToken cancellationToken)
    {
        KissOutboxState state;
        try
        {
            state = await outbox.GetStateAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The exception's own message (a provider error) stays out of the description; it is in the result.
            return new HealthCheckResult(
                context.Registration.FailureStatus,
                $"KissEf's outbox cannot be read ({exception.GetType().Name}): is the database up and the outbox table migrated?",
                exception,
                new Dictionary<string, object> { ["Delivery"] = nameof(KissDelivery.Outbox) });
        }

        var threshold = options.Value.HealthPendingAgeThreshold;
        var data = new Dictionary<string, object>
        {
            ["Delivery"] = nameof(KissDelivery.Outbox),
            [nameof(KissOutboxState.PendingRows)] = state.PendingRows,
            [nameof(KissOutboxState.PendingCalls)] = state.PendingCalls,
            [nameof(KissOutboxState.DeadRows)] = state.DeadRows,
            [nameof(KissOutboxState.DeadCalls)] = state.DeadCalls,
            [nameof(KissTrackingOptions.HealthPendingAgeThreshold)] = threshold,
        };
        if (state.OldestPendingAge is { } oldest)
        {
            // Absent when nothing is pending (a data value cannot be null).
            data[nameof(KissOutboxState.OldestPendingAge)] = oldest;
        }

        var problems = new List<string>();
        if (state.DeadCalls > 0)
        {
            problems.Add($"{state.DeadCalls} dead call(s) in {state.DeadRows} row(s) (IKissOutbox.RetryDeadAsync revives them)");
        }

        if (state.OldestPendingAge is { } age && age > threshold)
        {
            problems.Add($"the oldest pending call has waited {age:g}, more than {threshold:g}");
        }

        return problems.Count > 0
            ? HealthCheckResult.Degraded("KissEf's outbox: " + string.Join("; ", problems) + ".", data: data)
            : HealthCheckResult.Healthy($"KissEf's outbox: {state.PendingCalls} call(s) pending.", data);
    }
}
