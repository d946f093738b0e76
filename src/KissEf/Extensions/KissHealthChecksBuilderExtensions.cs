using KissEf.Internal.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds KissEf's health check.</summary>
public static class KissHealthChecksBuilderExtensions
{
    /// <summary>The default name of KissEf's health check.</summary>
    public const string DefaultName = "kissef";

    /// <summary>
    /// Adds a check of KissEf's delivery: <c>builder.Services.AddHealthChecks().AddKissTracking()</c>. With the
    /// outbox it is Healthy; Degraded when dead calls exist or the oldest pending call is older than
    /// <c>HealthPendingAgeThreshold</c>; <paramref name="failureStatus"/> (Unhealthy) when the outbox cannot be
    /// read. Its data holds the outbox's state (<c>PendingRows</c>, <c>PendingCalls</c>, <c>DeadRows</c>,
    /// <c>DeadCalls</c>, <c>OldestPendingAge</c>). With direct delivery it reports the in-memory queue. With any
    /// delivery it is Degraded once a context saved entities of mapped types without <c>UseKissTracking</c>
    /// (<c>UntrackedContexts</c> in its data; log 1007).
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status when the outbox cannot be read; Unhealthy when null.</param>
    /// <param name="tags">Tags to filter checks with.</param>
    /// <returns>The health checks builder.</returns>
    public static IHealthChecksBuilder AddKissTracking(
        this IHealthChecksBuilder builder,
        string name = DefaultName,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.AddCheck<KissHealthCheck>(name, failureStatus ?? HealthStatus.Unhealthy, tags ?? []);
    }
}
