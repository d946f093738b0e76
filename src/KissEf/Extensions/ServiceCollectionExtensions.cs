using KissEf;
using KissEf.Internal.Backfill;
using KissEf.Internal.Capture;
using KissEf.Internal.Configuration;
using KissEf.Internal.Direct;
using KissEf.Internal.Outbox;
using KissEf.Internal.Outbox.Dispatch;
using KissEf.Internal.Protocol;
using KissEf.Internal.Providers;
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
    /// <remarks>
    /// Every call on one service collection adds to one configuration, as <c>AddHealthChecks</c> does: a modular
    /// application may register each module's maps in a call of its own (maps of one entity type from several calls
    /// merge). The settings of every call apply in order, after the configuration section if one call bound it; the
    /// delivery is chosen by at most one call (a call that chooses another delivery than an earlier one throws),
    /// and the testing kit's <c>UseRecorder()</c> replaces it whatever the other calls chose.
    /// </remarks>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">The key, endpoint, maps and delivery.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddKissTracking(this IServiceCollection services, Action<KissTrackingBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var registration = services
            .LastOrDefault(d => d.ServiceType == typeof(KissRegistration) && !d.IsKeyedService)?
            .ImplementationInstance as KissRegistration;
        var first = registration is null;
        registration ??= new KissRegistration(new KissTrackingBuilder(services));

        var builder = registration.Builder;
        var start = builder.StartCall();
        configure(builder);
        registration.Model = builder.BuildModel();
        registration.Choose(builder.DeliveryChosenSince(start));

        if (first)
        {
            services.AddSingleton(registration);
            AddCore(services, registration);
        }

        // Direct delivery's retries come before the calls' own configurations of the client (outside their handlers).
        if (registration.Direct && !registration.RetriesAdded)
        {
            AddRetries(services.AddHttpClient(KissHttpSender.ClientName));
            registration.RetriesAdded = true;
        }

        AddHttpClientActions(services, registration);
        AddDelivery(services, registration);
        return services;
    }

    /// <summary>What does not depend on the delivery, registered by the first call.</summary>
    private static void AddCore(IServiceCollection services, KissRegistration registration)
    {
        // The settings of every call, read when the options are created (after the last call): the section first,
        // so that the builder's own calls win over it.
        services.AddOptions<KissTrackingOptions>()
            .Configure(registration.Builder.Apply)
            .ValidateOnStart()
            // Design-time tools start the app's host (build-time OpenAPI generation) with no key: nothing is sent there.
            .PostConfigure(o => o.DryRun |= KissDesignTime.IsActive);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KissTrackingOptions>>(new KissOptionsValidation(registration)));

        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new KissContextTypes(services));
        services.AddSingleton(sp => new KissRuntime(
            registration.Model,
            sp.GetRequiredService<IKissDelivery>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<IOptions<KissTrackingOptions>>(),
            sp.GetRequiredService<KissEf.Internal.Diagnostics.KissMetrics>(),
            sp.GetService<IKissTenants>(),
            registration.Builder.ConsentType));
        services.AddHostedService<KissStartupValidator>();
        services.AddSingleton(sp => new KissUntrackedContexts(registration.Model, sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService(sp => sp.GetRequiredService<KissUntrackedContexts>());

        // Metrics: the application's IMeterFactory (added if the host has none) and the instruments on it.
        services.AddMetrics();
        // The pending gauges' source is the delivery's (registered with it, over this one, which reports nothing).
        services.TryAddSingleton<KissEf.Internal.Diagnostics.IKissPendingSource, KissEf.Internal.Diagnostics.KissNoPendingSource>();
        services.TryAddSingleton<KissEf.Internal.Diagnostics.KissMetrics>();

        services.AddSingleton<IKissBackfill, KissBackfill>();

        AddHttpClient(services, registration);
        services.AddSingleton<KissApiKeys>();
        services.AddSingleton<KissHttpSender>();
    }

    /// <summary>
    /// Registers the services of the delivery the calls so far chose, replacing those of an earlier call's choice
    /// (the outbox by default, until a later call chose direct delivery or the recorder).
    /// </summary>
    private static void AddDelivery(IServiceCollection services, KissRegistration registration)
    {
        if (registration.IsRegistered)
        {
            return;
        }

        foreach (var descriptor in registration.DeliveryServices)
        {
            services.Remove(descriptor);
        }

        var before = services.Count;
        if (registration.Builder.DeliveryOverride is { } registerDelivery)
        {
            registerDelivery(services);
        }
        else if (registration.Direct)
        {
            services.AddSingleton<KissCallQueue>();
            services.AddSingleton<KissEf.Internal.Diagnostics.IKissPendingSource, KissQueuePendingGauge>();
            services.AddSingleton<KissQueueDispatcher>();
            services.AddSingleton<IKissDispatcher>(sp => sp.GetRequiredService<KissQueueDispatcher>());
            services.AddSingleton<IKissDelivery, KissDirectDelivery>();
            services.AddHostedService(sp => sp.GetRequiredService<KissQueueDispatcher>());
        }
        else
        {
            services.AddSingleton<IKissOutboxProviders, KissOutboxProviders>();
            services.AddSingleton(sp => new KissOutboxWriter(
                sp.GetRequiredService<IOptions<KissTrackingOptions>>().Value.MaxCallsPerRow, sp.GetRequiredService<IKissOutboxProviders>(), sp.GetService<IKissTenants>()));
            services.AddSingleton<KissEf.Internal.Diagnostics.IKissPendingSource, KissOutboxPendingGauge>();
            services.AddSingleton<KissOutboxDispatcher>();
            services.AddSingleton<IKissDispatcher>(sp => sp.GetRequiredService<KissOutboxDispatcher>());
            services.AddSingleton<IKissDelivery, KissOutboxDelivery>();
            services.AddSingleton<IKissOutbox, KissOutboxAdmin>();
            services.AddHostedService(sp => sp.GetRequiredService<KissOutboxDispatcher>());
        }

        // Registrations only append: what came after the count is this delivery's.
        registration.Registered([.. services.Skip(before)]);
    }

    private static void AddHttpClient(IServiceCollection services, KissRegistration registration)
    {
        var http = services.AddHttpClient(KissHttpSender.ClientName);

        // KissEf's client keeps to itself: what the application gives every client with ConfigureHttpClientDefaults
        // (a standard resilience handler, service discovery, headers) would turn one outbox attempt into several
        // requests and log each retry. IHttpClientFactory applies the defaults before any named configuration, so this
        // first configuration of the name clears what they added; everything below, and what the user adds with
        // kiss.ConfigureHttpClient, comes after it and stays. Registered once: a second one would clear the first's.
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
                client.Timeout = registration.Direct ? Timeout.InfiniteTimeSpan : o.RequestTimeout;
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

        // Runs after every other configuration of the client, so the key handler is the innermost one.
        services.PostConfigure<HttpClientFactoryOptions>(KissHttpSender.ClientName, factory =>
            factory.HttpMessageHandlerBuilderActions.Add(handlers =>
                handlers.AdditionalHandlers.Add(ActivatorUtilities.CreateInstance<KissApiKeyHandler>(handlers.Services))));
    }

    /// <summary>
    /// Direct delivery retries in the request (Microsoft.Extensions.Http.Resilience); the outbox retries by
    /// rescheduling rows, which survives restarts, so its requests are single attempts with no pipeline. Added by
    /// the call that chooses direct delivery, before its own configurations of the client (and after those of
    /// earlier calls); kept if the recorder replaces the delivery later, as the recorder sends nothing.
    /// </summary>
    private static void AddRetries(IHttpClientBuilder http)
        => http.AddResilienceHandler("kiss", (pipeline, context) =>
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

    /// <summary>Applies the builder's HTTP client configurations that this call added.</summary>
    private static void AddHttpClientActions(IServiceCollection services, KissRegistration registration)
    {
        var actions = registration.Builder.HttpClientActions;
        if (registration.HttpClientActionsApplied == actions.Count)
        {
            return;
        }

        var http = services.AddHttpClient(KissHttpSender.ClientName);
        foreach (var action in actions.Skip(registration.HttpClientActionsApplied))
        {
            action(http);
        }

        registration.HttpClientActionsApplied = actions.Count;
    }
}
