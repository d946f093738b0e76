using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Shop.Privacy;

/// <summary>Registering the consent service (docs/privacy.md).</summary>
public static class ConsentRegistration
{
    public static void Register(IHostApplicationBuilder builder)
    {
        #region use-consent
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<IAnalyticsOptOuts, AnalyticsOptOuts>();
        builder.AddKissTracking(kiss => kiss.UseConsent<AnalyticsConsent>());   // registered as scoped unless you did
        #endregion
    }
}
