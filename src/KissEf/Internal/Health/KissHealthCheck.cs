using KissEf.Internal.Capture;
using KissEf.Internal.Direct;
using KissEf.Internal.Outbox;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace KissEf.Internal.Health;

/// <summary>
/// The "kissef" health check. Outbox: Degraded when dead calls exist or the oldest pending call is older than
/// <see cref="KissTrackingOptions.HealthPendingAgeThreshold"/>, Unhealthy when the outbox cannot be read, with
/// <see cref="IKissOutbox.GetStateAsync"/> in the data (each context type's figures under <c>Contexts</c>). With tenants, the data breaks the state down by tenant (and the
/// description names the tenants of each problem); a tenant database that cannot be read makes it Degraded, naming
/// the tenant, with the other tenants' figures (Unhealthy only when no tenant's outbox can be read). Direct delivery: the queue's length in the data,
/// Degraded when it is full (new calls are being dropped). Any other delivery (the testing kit's recorder):
/// Healthy. Whatever the delivery: Degraded (unless worse) once a context saved entities of mapped types without
/// <c>UseKissTracking</c> (log 1007), with the contexts in the data.
/// </summary>
internal sealed class KissHealthCheck(IServiceProvider services, IOptions<KissTrackingOptions> options) : IHealthCheck
{
    /// <summary>The data key naming the tenants whose outbox cannot be read.</summary>
    public const string UnreadableTenants = "UnreadableTenants";

    /// <summary>How many tenants a description names; the data names them all.</summary>
    private const int TenantsNamed = 10;

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
        KissOutboxReading reading;
        try
        {
            reading = outbox is KissOutboxAdmin admin
                ? await admin.ReadAsync(cancellationToken).ConfigureAwait(false)
                : new KissOutboxReading(await outbox.GetStateAsync(cancellationToken).ConfigureAwait(false), [], []);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Unreadable(context, exception, string.Empty);
        }

        var state = reading.State;

        // Without tenants a table that cannot be read is the application's database; with tenants, one tenant database
        // down leaves the others working: Degraded, naming it, unless none can be read.
        if (reading.Failures.Count > 0 && (state.Tenants is null || reading.NoneRead))
        {
            return Unreadable(context, FailureOf(reading), state.Tenants is null ? string.Empty : $" Tenants: {Names(reading.Unreadable)}.");
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

        if (state.Contexts is { } contexts)
        {
            data[nameof(KissOutboxState.Contexts)] = contexts;
        }

        if (state.Tenants is { } tenants)
        {
            data[nameof(KissOutboxState.Tenants)] = tenants;
        }

        var problems = new List<string>();
        if (reading.Failures.Count > 0)
        {
            data[UnreadableTenants] = string.Join(", ", reading.Unreadable);
            problems.Add($"the outbox of tenant(s) {Names(reading.Unreadable)} cannot be read: their calls wait in their databases (IKissOutbox.GetTenantStateAsync says why)");
        }

        if (state.DeadCalls > 0)
        {
            problems.Add($"{state.DeadCalls} dead call(s) in {state.DeadRows} row(s){InTenants(state, t => t.DeadCalls > 0)} (IKissOutbox.RetryDeadAsync revives them)");
        }

        if (state.OldestPendingAge is { } age && age > threshold)
        {
            problems.Add($"the oldest pending call has waited {age:g}, more than {threshold:g}{InTenants(state, t => t.OldestPendingAge > threshold)}");
        }

        return problems.Count > 0
            ? HealthCheckResult.Degraded("KissEf's outbox: " + string.Join("; ", problems) + ".", reading.Failures.Count > 0 ? FailureOf(reading) : null, data)
            : HealthCheckResult.Healthy($"KissEf's outbox: {state.PendingCalls} call(s) pending.", data);
    }

    private static HealthCheckResult Unreadable(HealthCheckContext context, Exception exception, string tenants)
        // The exception's own message (a provider error) stays out of the description; it is in the result.
        => new(
            context.Registration.FailureStatus,
            $"KissEf's outbox cannot be read ({exception.GetType().Name}): is the database up and the outbox table migrated?{tenants}",
            exception,
            new Dictionary<string, object> { ["Delivery"] = nameof(KissDelivery.Outbox) });

    private static Exception FailureOf(KissOutboxReading reading)
        => reading.Failures is [var one] ? one.Exception : new AggregateException(reading.Failures.Select(f => f.Exception));

    /// <summary>" (tenants a, b)" for the tenants of <paramref name="state"/> that <paramref name="match"/>; empty without tenants.</summary>
    private static string InTenants(KissOutboxState state, Func<KissOutboxState, bool> match)
        => state.Tenants?.Where(t => match(t.Value)).Select(t => t.Key).Order(StringComparer.Ordinal).ToList() is { Count: > 0 } names
            ? $" (tenant(s) {Names(names)})"
            : string.Empty;

    private static string Names(IReadOnlyList<string> names)
        => names.Count <= TenantsNamed
            ? string.Join(", ", names)
            : $"{string.Join(", ", names.Take(TenantsNamed))} and {names.Count - TenantsNamed} more";
}
