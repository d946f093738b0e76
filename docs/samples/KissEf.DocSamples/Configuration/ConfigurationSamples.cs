using KissEf;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Shop.Configuration;

/// <summary>The configuration page's samples (docs/configuration.md).</summary>
public static class ConfigurationSamples
{
    public static void FromSection(IHostApplicationBuilder builder)
    {
        #region configuration-section
        builder.AddKissTracking(kiss => kiss                // binds the section "KissMetrics"
            .ApplyConfigurationsFromAssembly(typeof(Program).Assembly));
        #endregion
    }

    public static void FromOtherSection(IHostApplicationBuilder builder)
    {
        #region configuration-other-section
        builder.AddKissTracking("Analytics:KissMetrics", kiss => kiss
            .ApplyConfigurationsFromAssembly(typeof(Program).Assembly));
        #endregion
    }

    public static void FromServices(IServiceCollection services, IConfiguration configuration)
    {
        #region configuration-services
        services.AddKissTracking(configuration.GetSection("KissMetrics"), kiss => kiss
            .ApplyConfigurationsFromAssembly(typeof(Program).Assembly));
        #endregion
    }

    public static void InCode(KissTrackingBuilder kiss, string apiKey)
    {
        #region configuration-code
        kiss.UseApiKey(apiKey)
            .UseEndpoint(new Uri("https://trk.kissmetrics.io"))
            .Configure(o =>
            {
                o.MaxConcurrency = 8;
                o.OutboxSchema = "analytics";
            });
        #endregion
    }
}
