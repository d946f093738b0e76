using KissEf;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>Adds KissEf to an application's host builder, with its settings from the application's configuration.</summary>
public static class KissHostApplicationBuilderExtensions
{
    /// <summary>The configuration section KissEf's settings are bound from unless told otherwise: <c>KissMetrics</c>.</summary>
    public const string DefaultSectionName = "KissMetrics";

    /// <summary>
    /// Adds KissEf with its settings bound from the section <c>KissMetrics</c> of the application's configuration
    /// (<c>KissMetrics:ApiKey</c> from user secrets or the environment variable <c>KissMetrics__ApiKey</c>), then the
    /// builder's own calls on top: <c>builder.AddKissTracking(kiss =&gt; kiss.ApplyConfigurationsFromAssembly(typeof(Program).Assembly))</c>.
    /// The same as <c>builder.Services.AddKissTracking(builder.Configuration.GetSection("KissMetrics"), configure)</c>;
    /// it may be called again (by each module of an application), adding to the same configuration.
    /// </summary>
    /// <typeparam name="TBuilder">The host builder (<c>HostApplicationBuilder</c>, <c>WebApplicationBuilder</c>).</typeparam>
    /// <param name="builder">The application's host builder.</param>
    /// <param name="configure">The maps, and settings that win over the section.</param>
    /// <returns>The host builder.</returns>
    public static TBuilder AddKissTracking<TBuilder>(this TBuilder builder, Action<KissTrackingBuilder> configure)
        where TBuilder : IHostApplicationBuilder
        => AddKissTracking(builder, DefaultSectionName, configure);

    /// <summary>
    /// Adds KissEf with its settings bound from the section <paramref name="sectionName"/> of the application's
    /// configuration (a path such as <c>Analytics:KissMetrics</c>), then the builder's own calls on top.
    /// </summary>
    /// <typeparam name="TBuilder">The host builder (<c>HostApplicationBuilder</c>, <c>WebApplicationBuilder</c>).</typeparam>
    /// <param name="builder">The application's host builder.</param>
    /// <param name="sectionName">The path of the section that holds KissEf's settings.</param>
    /// <param name="configure">The maps, and settings that win over the section.</param>
    /// <returns>The host builder.</returns>
    public static TBuilder AddKissTracking<TBuilder>(this TBuilder builder, string sectionName, Action<KissTrackingBuilder> configure)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(sectionName);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddKissTracking(builder.Configuration.GetSection(sectionName), configure);
        return builder;
    }
}
