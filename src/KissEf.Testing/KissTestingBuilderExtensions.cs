using KissEf.Internal.Capture;
using KissEf.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf;

/// <summary>KissEf's test helpers on <see cref="KissTrackingBuilder"/>.</summary>
public static class KissTestingBuilderExtensions
{
    /// <summary>
    /// Replaces the delivery with a <see cref="KissRecorder"/> (registered as a singleton): when a transaction
    /// commits, its calls are recorded in memory, exactly as they would have been sent (after every
    /// validation) and in commit order. Nothing is sent, no outbox table is needed, no API key is needed
    /// (<c>DryRun</c> is set), and <see cref="IKissDispatcher.FlushAsync"/> completes at once. It replaces the delivery
    /// whatever another <c>AddKissTracking</c> call chose: a test may add it to the application's own registration.
    /// </summary>
    /// <param name="builder">The builder of <c>AddKissTracking</c>.</param>
    /// <returns>The builder.</returns>
    public static KissTrackingBuilder UseRecorder(this KissTrackingBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // The recorder uses KissEf's internals, which are free to change between versions.
        var kissEf = typeof(KissTrackingBuilder).Assembly.GetName();
        var testing = typeof(KissRecorder).Assembly.GetName();
        if (kissEf.Version != testing.Version)
        {
            throw new InvalidOperationException(
                $"KissEf.Testing {testing.Version} works with KissEf {testing.Version} only, and KissEf {kissEf.Version} is loaded: reference the same version of both packages.");
        }

        builder.DeliveryOverride = services =>
        {
            services.AddSingleton(new KissRecorder());
            services.AddSingleton<IKissDelivery>(sp => new KissRecorderDelivery(sp.GetRequiredService<KissRecorder>()));
            services.AddSingleton<IKissDispatcher, KissRecorderDispatcher>();

            // Nothing is sent, so no key is asked for, whatever the section or the builder said.
            services.PostConfigure<KissTrackingOptions>(o => o.DryRun = true);
        };
        return builder;
    }
}
