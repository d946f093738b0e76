using KissEf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Shop.Configuration;

/// <summary>The configuration page's samples (docs/configuration.md).</summary>
public static class ConfigurationSamples
{
    public static void FromSection(IHostApplicationBuilder builder)
    {
        // LEAD: switch to builder.AddKissTracking(kiss => ...) (section "KissMetrics" by default) once it is merged.
        #region configuration-section
        builder.Services.AddKissTracking(builder.Configuration.GetSection("KissMetrics"), kiss => kiss
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
