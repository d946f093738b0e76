using KissEf;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;

namespace Shop.Observability;

/// <summary>The observability page's samples (docs/observability-and-health.md).</summary>
public static class ObservabilitySamples
{
    public static void OpenTelemetry(IHostApplicationBuilder builder)
    {
        #region opentelemetry
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter(KissEfDiagnostics.MeterName))
            .WithTracing(tracing => tracing.AddSource(KissEfDiagnostics.ActivitySourceName));
        #endregion
    }

    public static void OpenTelemetryToCollector(IHostApplicationBuilder builder)
    {
        #region opentelemetry-otlp
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter(KissEfDiagnostics.MeterName))
            .WithTracing(tracing => tracing.AddSource(KissEfDiagnostics.ActivitySourceName))
            .UseOtlpExporter();   // to OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4317)
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
