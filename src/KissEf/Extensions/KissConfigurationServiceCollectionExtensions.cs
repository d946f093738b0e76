using KissEf;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers KissEf with its settings bound from configuration.</summary>
public static class KissConfigurationServiceCollectionExtensions
{
    /// <summary>
    /// Adds KissEf with every <see cref="KissTrackingOptions"/> setting bound from <paramref name="configuration"/>
    /// (for example <c>builder.Configuration.GetSection("KissMetrics")</c>), then the builder's own calls on top,
    /// as <see cref="KissServiceCollectionExtensions.AddKissTracking(IServiceCollection, Action{KissTrackingBuilder})"/>
    /// does. <c>Delivery</c> (<c>Outbox</c> or <c>Direct</c>) is read when this is called; the rest when the host
    /// starts, where a bad or unknown setting fails the start with a message that names its path
    /// (<c>KissMetrics:MaxConcurrency: …</c>).
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configuration">The section holding KissEf's settings.</param>
    /// <param name="configure">The maps, and settings that win over the section.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddKissTracking(
        this IServiceCollection services,
        IConfiguration configuration,
        Action<KissTrackingBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddKissTracking(kiss =>
        {
            kiss.BindSection(configuration);
            configure(kiss);
        });
    }
}
