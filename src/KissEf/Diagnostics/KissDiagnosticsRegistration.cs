using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KissEf.Diagnostics;

/// <summary>Registers KissEf's metrics: the application's <see cref="System.Diagnostics.Metrics.IMeterFactory"/>
/// (added if the host has none) and the instruments on it.</summary>
internal static class KissDiagnosticsRegistration
{
    public static void Add(IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<KissPendingGauge>();
        services.TryAddSingleton<KissMetrics>();
    }
}
