using KissEf;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Shop.Observability;

/// <summary>The observability page's samples (docs/observability-and-health.md).</summary>
public static class ObservabilitySamples
{
    public static void OpenTelemetry(IHostApplicationBuilder builder)
    {
        // LEAD: switch "KissEf" to KissEfDiagnostics.MeterName and KissEfDiagnostics.ActivitySourceName once merged.
        #region opentelemetry
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter("KissEf"))
            .WithTracing(tracing => tracing.AddSource("KissEf"));
        #endregion
    }

    public static void Health(WebApplicationBuilder builder)
    {
        #region health
        builder.Services.AddHealthChecks().AddKissTracking();   // a check named "kissef"
        var app = builder.Build();
        app.MapHealthChecks("/health");
        #endregion
    }
}
