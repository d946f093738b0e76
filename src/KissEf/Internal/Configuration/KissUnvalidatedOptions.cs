using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KissEf.Internal.Configuration;

/// <summary>
/// <see cref="KissTrackingOptions"/> as the application configured them, not validated: what
/// <c>IOptions&lt;KissTrackingOptions&gt;.Value</c> holds, built by the same <see cref="OptionsFactory{TOptions}"/> from
/// the same configure and post-configure actions, but given no validator. For what must work without a valid
/// configuration: the options of a context, which design-time tools build with no key.
/// </summary>
internal static class KissUnvalidatedOptions
{
    public static KissTrackingOptions Build(IServiceProvider services)
        => new OptionsFactory<KissTrackingOptions>(
                services.GetServices<IConfigureOptions<KissTrackingOptions>>(),
                services.GetServices<IPostConfigureOptions<KissTrackingOptions>>())
            .Create(Options.DefaultName);
}
