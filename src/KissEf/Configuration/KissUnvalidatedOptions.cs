using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KissEf.Configuration;

/// <summary>
/// <see cref="KissTrackingOptions"/> as the application configured them, not validated: what
/// <c>IOptions&lt;KissTrackingOptions&gt;.Value</c> holds, built the same way (every configure action of the default
/// name, then every post-configure action) but without the validation that throws. For what must work without a
/// valid configuration: the options of a context, which design-time tools build with no key.
/// </summary>
internal static class KissUnvalidatedOptions
{
    public static KissTrackingOptions Build(IServiceProvider services)
    {
        var options = new KissTrackingOptions();
        foreach (var setup in services.GetServices<IConfigureOptions<KissTrackingOptions>>())
        {
            if (setup is IConfigureNamedOptions<KissTrackingOptions> named)
            {
                named.Configure(Options.DefaultName, options);
            }
            else
            {
                setup.Configure(options);
            }
        }

        foreach (var setup in services.GetServices<IPostConfigureOptions<KissTrackingOptions>>())
        {
            setup.PostConfigure(Options.DefaultName, options);
        }

        return options;
    }
}
