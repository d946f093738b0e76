using KissEf.Backfill;
using KissEf;
using KissEf.Capture;
using KissEf.Configuration;
using KissEf.Dispatch;
using KissEf.Outbox;
using KissEf.Protocol;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers KissEf in an application's services.</summary>
public static class KissServiceCollectionExtensions
{
    /// <summary>
    /// Adds KissEf: builds and validates the tracking maps now (a broken map throws here, naming the entity and
    /// member), registers the dispatcher as a hosted service and <see cref="IKissDispatcher"/>, and KissEf's
    /// HTTP client. Then call <c>UseKissTracking(serviceProvider)</c> on each tracked DbContext's options.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">The key, endpoint, maps and delivery.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddKissTracking(this IServiceCollection services, Action<KissTrackingBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        if (services.Any(d => d.ServiceType == typeof(KissRuntime)))
        {
            throw new InvalidOperationException("AddKissTracking was already called on these services; configure everything in one call.");
        }

        var builder = new KissTrackingBuilder(services);
        configure(builder);
        var model = builder.BuildModel();

        var options = services.AddOptions<KissTrackingOptions>();
        if (builder.Section is { } section)
        {
            // First, so that the builder's own calls win over the section.
            options.Configure(o => section.Bind(o));
        }

        foreach (var action in builder.OptionActions)
        {
            options.Configure(action);
        }

        options.ValidateOnStart();

        // Design-time tools start the app's host (build-time OpenAPI generation) with no key: nothing is sent there.
        options.PostConfigure(o => o.DryRun |= KissDesignTime.IsActive);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KissTrackingOptions>>(
            new KissOptionsValidation(builder.Section, builder.DeliveryOverride is null ? builder.ChosenDelivery() : null)));

        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new KissContextTypes(services));
        services.AddSingleton(sp => new KissRuntime(
            model,
            sp.GetRequiredService<IKissDelivery>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<IOptions<KissTrackingOptions>>(),
            sp.GetRequiredService<KissEf.Diagnostics.KissMetrics>()));
        services.AddHostedService<KissStartupValidator>();
        // Metrics: the application's IMeterFactory (added if the host has none) and the instruments on it.
        services.AddMetrics();
        services.TryAddSingleton<KissEf.Diagnostics.IKissPendingSource, KissPendingGauge>();
        services.TryAddSingleton<KissEf.Diagnostics.KissMetrics>();

        services.AddSingleton<IKissBackfill, KissBackfill>();

        AddHttpClient(services, builder, inlineRetries: builder.DirectDelivery);
        services.AddSingleton<KissHttpSender>();

        if (builder.DeliveryOverride is { } registerDelivery)
        {
            registerDelivery(services);
        }
        else if (builder.DirectDelivery)
        {
            services.AddSingleton<KissCallQueue>();
            services.AddSingleton<KissQueueDispatcher>();
            services.AddSingleton<IKissDispatcher>(sp => sp.GetRequiredService<KissQueueDispatcher>());
            services.AddSingleton<IKissDelivery, KissDirectDelivery>();
            services.AddHostedService(sp => sp.GetRequiredService<KissQueueDispatcher>());
        }
        else
        {
            services.AddSingleton(sp => new KissOutboxWriter(sp.GetRequiredService<IOptions<KissTrackingOptions>>().Value.MaxCallsPerRow));
            services.AddSingleton<KissOutboxDispatcher>();
            services.AddSingleton<IKissDispatcher>(sp => sp.GetRequiredService<KissOutboxDispatcher>());
            services.AddSingleton<IKissDelivery, KissOutboxDelivery>();
            services.AddSingleton<IKissOutbox, KissOutboxAdmin>();
            services.AddHostedService(sp => sp.GetRequiredService<KissOutboxDispatcher>());
        }

        return services;
    }

    private static void AddHttpClient(IServiceCollection services, KissTrackingBuilder builder, bool inlineRetries)
    {
        var http = services.AddHttpClient(KissHttpSender.ClientName);

        // KissEf's client keeps to itself: what the application gives every client with ConfigureHttpClientDefaults
        // (a standard resilience handler, service discovery, headers) would turn one outbox attempt into several
        // requests and log each retry. IHttpClientFactory applies the defaults before any named configuration, so this
        // first configuration of the name clears what they added; everything below, and what the user adds with
        // kiss.ConfigureHttpClient, comes after it and stays.
        http.Services.Configure<HttpClientFactoryOptions>(http.Name, factory =>
        {
            factory.HttpMessageHandlerBuilderActions.Clear();
            factory.HttpClientActions.Clear();
        });

        http
            .ConfigureHttpClient((sp, client) =>
            {
                var o = sp.GetRequiredService<IOptions<KissTrackingOptions>>().Value;
                client.BaseAddress = KissHttpSender.WithTrailingSlash(o.Endpoint);

                // With inline retries the resilience pipeline times each attempt; otherwise one attempt is one request.
                client.Timeout = inlineRetries ? Timeout.InfiniteTimeSpan : o.RequestTimeout;
            })
            // The factory's default loggers (and loggers the defaults added) write request URIs; a tracking URL holds the key.
            .RemoveAllLoggers()
            .ConfigurePrimaryHttpMessageHandler(sp =>
                sp.GetRequiredService<IOptions<KissTrackingOptions>>().Value.DryRun
                    ? ActivatorUtilities.CreateInstance<KissDryRunHandler>(sp)
                    : new SocketsHttpHandler
                    {
                        PooledConnectionLifetime = TimeSpan.FromMinutes(2),

                        // The vendor has no use for the caller's trace: requests keep their client spans, without trace headers.
                        ActivityHeadersPropagator = System.Diagnostics.DistributedContextPropagator.CreateNoOutputPropagator(),
                    });

        // Direct delivery retries in the request (Microsoft.Extensions.Http.Resilience); the outbox retries by
        // rescheduling rows, which survives restarts, so its requests are single attempts with no pipeline.
        if (inlineRetries)
        {
            http.AddResilienceHandler("kiss", (pipeline, context) =>
            {
                var o = context.ServiceProvider.GetRequiredService<IOptions<KissTrackingOptions>>().Value;
                if (o.MaxAttempts > 1)
                {
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = o.MaxAttempts - 1,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = o.RetryBaseDelay,
                        MaxDelay = TimeSpan.FromMinutes(1),
                        ShouldRetryAfterHeader = true,
                    });
                }

                pipeline.AddTimeout(o.RequestTimeout);
            });
        }

        foreach (var action in builder.HttpClientActions)
        {
            action(http);
        }

        // Runs after every other configuration of the client, so the key handler is the innermost one.
        services.PostConfigure<HttpClientFactoryOptions>(KissHttpSender.ClientName, factory =>
            factory.HttpMessageHandlerBuilderActions.Add(handlers =>
                handlers.AdditionalHandlers.Add(ActivatorUtilities.CreateInstance<KissApiKeyHandler>(handlers.Services))));
    }
}
