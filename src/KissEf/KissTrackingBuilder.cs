using System.Reflection;
using KissEf.Internal.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KissEf;

/// <summary>
/// Configures KissEf inside <c>services.AddKissTracking(kiss =&gt; ...)</c>: the API key and endpoint, the
/// tracking maps, and the delivery. Every <c>AddKissTracking</c> call on one service collection configures the same
/// builder, so that each module of an application may add its own maps.
/// </summary>
public sealed class KissTrackingBuilder
{
    private readonly Dictionary<Type, object> _entities = [];
    private readonly List<Func<List<string>, KissEntityMap?>> _compilers = [];

    internal KissTrackingBuilder(IServiceCollection services) => Services = services;

    /// <summary>The application's services, for extensions of this builder.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The configuration section bound before the builder's calls, or null (see <see cref="BindSection"/>).</summary>
    internal IConfiguration? Section { get; private set; }

    /// <summary>Registers a delivery of its own instead of the outbox or the queue (the testing kit's recorder).</summary>
    internal Action<IServiceCollection>? DeliveryOverride { get; set; }

    /// <summary>The consent service of <see cref="UseConsent{TConsent}"/>, or null: every person is tracked.</summary>
    internal Type? ConsentType { get; private set; }

    internal List<Action<KissTrackingOptions>> OptionActions { get; } = [];

    internal List<Action<IHttpClientBuilder>> HttpClientActions { get; } = [];

    /// <summary>Sets the KISSmetrics API key. It travels only in the query of each request: never logged nor stored.</summary>
    /// <param name="apiKey">The key.</param>
    /// <returns>This builder.</returns>
    public KissTrackingBuilder UseApiKey(string apiKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        return Configure(o => o.ApiKey = apiKey);
    }

    /// <summary>Sets the tracking host (default <c>https://trk.kissmetrics.com</c>).</summary>
    /// <param name="endpoint">An absolute http(s) URI.</param>
    /// <returns>This builder.</returns>
    public KissTrackingBuilder UseEndpoint(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return Configure(o => o.Endpoint = endpoint);
    }

    /// <summary>Sends nothing: logs each URL it would send (with <c>_k</c> redacted). No API key is needed.</summary>
    /// <returns>This builder.</returns>
    public KissTrackingBuilder UseDryRun() => Configure(o => o.DryRun = true);

    /// <summary>
    /// Sends committed calls from a bounded in-memory queue instead of a table written in the transaction.
    /// A crash or a full queue loses calls; use it for providers without transactions or when no table is wanted.
    /// </summary>
    /// <returns>This builder.</returns>
    public KissTrackingBuilder UseDirectDelivery() => Configure(o => o.Delivery = KissDelivery.Direct);

    /// <summary>
    /// Makes KissEf multi-tenant aware (a database or a schema per tenant): the dispatcher, <see cref="IKissOutbox"/>,
    /// the health check and <see cref="IKissBackfill"/> work every tenant's database, entering each tenant through
    /// <typeparamref name="TTenants"/>, which is registered as a singleton.
    /// </summary>
    /// <typeparam name="TTenants">The application's <see cref="IKissTenants"/>.</typeparam>
    /// <returns>This builder.</returns>
    public KissTrackingBuilder UseTenants<TTenants>()
        where TTenants : class, IKissTenants
    {
        Services.Replace(ServiceDescriptor.Singleton<IKissTenants, TTenants>());
        return this;
    }

    /// <summary>
    /// Asks <typeparamref name="TConsent"/> before every call is written: the calls of a person it refuses (an alias when
    /// it refuses either side) are dropped, never written to the outbox, the queue or a backfill. It is resolved per save
    /// from the saving context's application services, as <c>IdentifiedBy</c>'s service is: the request's scope, so a
    /// scoped service may read the request's user (the root provider with pooled contexts). When the application has not
    /// registered <typeparamref name="TConsent"/>, it is registered as a scoped service.
    /// </summary>
    /// <typeparam name="TConsent">The application's <see cref="IKissConsent"/>.</typeparam>
    /// <returns>This builder.</returns>
    /// <exception cref="InvalidOperationException">An earlier call chose another consent service.</exception>
    public KissTrackingBuilder UseConsent<TConsent>()
        where TConsent : class, IKissConsent
    {
        if (ConsentType is { } earlier && earlier != typeof(TConsent))
        {
            throw new InvalidOperationException(
                $"AddKissTracking was called with UseConsent<{earlier.Name}>(), and this call chooses UseConsent<{typeof(TConsent).Name}>(). " +
                "An application has one consent service: choose it in one call.");
        }

        ConsentType = typeof(TConsent);

        // The application's own registration (a lifetime of its choice) wins, made before or after this call.
        Services.TryAddScoped<TConsent>();
        return this;
    }

    /// <summary>Changes any setting of <see cref="KissTrackingOptions"/>.</summary>
    /// <param name="configure">The change.</param>
    /// <returns>This builder.</returns>
    public KissTrackingBuilder Configure(Action<KissTrackingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        OptionActions.Add(configure);
        return this;
    }

    /// <summary>
    /// Configures KissEf's HTTP client (a proxy, a handler, telemetry). Handlers added here never see the API
    /// key: it is added after them.
    /// </summary>
    /// <param name="configure">The change to the client's builder.</param>
    /// <returns>This builder.</returns>
    public KissTrackingBuilder ConfigureHttpClient(Action<IHttpClientBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        HttpClientActions.Add(configure);
        return this;
    }

    /// <summary>Maps the changes of <typeparamref name="TEntity"/> inline; several calls add to one map.</summary>
    /// <param name="configure">The map.</param>
    /// <returns>This builder.</returns>
    public KissTrackingBuilder Entity<TEntity>(Action<KissEntityTypeBuilder<TEntity>> configure)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(EntityBuilder<TEntity>());
        return this;
    }

    /// <summary>Applies a map written as an <see cref="IKissEntityTypeConfiguration{TEntity}"/>.</summary>
    /// <param name="configuration">The map.</param>
    /// <returns>This builder.</returns>
    public KissTrackingBuilder ApplyConfiguration<TEntity>(IKissEntityTypeConfiguration<TEntity> configuration)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Configure(EntityBuilder<TEntity>());
        return this;
    }

    /// <summary>
    /// Applies every <see cref="IKissEntityTypeConfiguration{TEntity}"/> of <paramref name="assembly"/> that is a
    /// concrete class with a parameterless constructor, in name order.
    /// </summary>
    /// <param name="assembly">The assembly to scan.</param>
    /// <param name="predicate">Which configuration types to apply; all when null.</param>
    /// <returns>This builder.</returns>
    public KissTrackingBuilder ApplyConfigurationsFromAssembly(Assembly assembly, Func<Type, bool>? predicate = null)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var apply = typeof(KissTrackingBuilder).GetMethod(nameof(ApplyConfiguration))!;
        var types = assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false, ContainsGenericParameters: false }
                        && t.GetConstructor(Type.EmptyTypes) is not null
                        && (predicate is null || predicate(t)))
            .OrderBy(t => t.FullName, StringComparer.Ordinal);
        foreach (var type in types)
        {
            foreach (var face in type.GetInterfaces().Where(i =>
                         i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IKissEntityTypeConfiguration<>)))
            {
                apply.MakeGenericMethod(face.GenericTypeArguments[0]).Invoke(this, [Activator.CreateInstance(type)]);
            }
        }

        return this;
    }

    /// <summary>
    /// Binds KissEf's settings from <paramref name="section"/>, before the builder's own calls. Every
    /// <c>AddKissTracking</c> call adds to one builder: a later call may bind the same section again (by path), not
    /// another one, whose settings would silently mix with the first's.
    /// </summary>
    internal void BindSection(IConfiguration section)
    {
        if (Section is null)
        {
            Section = section;
            return;
        }

        if (PathOf(Section) != PathOf(section))
        {
            throw new InvalidOperationException(
                $"AddKissTracking binds KissEf's settings from one configuration section: an earlier call bound {PathOf(Section)}, " +
                $"and this one binds {PathOf(section)}. Bind the same section in every call, or bind it in one call only.");
        }
    }

    /// <summary>Where an <c>AddKissTracking</c> call starts: what the builder held before it.</summary>
    internal (int Actions, IConfiguration? Section) StartCall() => (OptionActions.Count, Section);

    /// <summary>
    /// The delivery the <c>AddKissTracking</c> call that started at <paramref name="start"/> chose, or null when it
    /// chose none: the <c>Delivery</c> of the section it bound, then its own settings, run once more on a scratch
    /// copy of the options. A section value that does not parse is left to the start-up binding, which reports it
    /// with its path.
    /// </summary>
    internal KissDelivery? DeliveryChosenSince((int Actions, IConfiguration? Section) start)
    {
        const KissDelivery unset = (KissDelivery)(-1);
        var probe = new KissTrackingOptions { Delivery = unset };
        if (start.Section is null
            && Section?[nameof(KissTrackingOptions.Delivery)] is { } text
            && Enum.TryParse<KissDelivery>(text, ignoreCase: true, out var bound)
            && Enum.IsDefined(bound))
        {
            probe.Delivery = bound;
        }

        foreach (var action in OptionActions.Skip(start.Actions))
        {
            action(probe);
        }

        return probe.Delivery == unset ? null : probe.Delivery;
    }

    /// <summary>Sets <paramref name="options"/> as every call said: the section first, then the builder's calls in order.</summary>
    internal void Apply(KissTrackingOptions options)
    {
        Section?.Bind(options);
        foreach (var action in OptionActions)
        {
            action(options);
        }
    }

    /// <summary>Compiles and validates every map once; a broken map throws, naming entity, member and rule.</summary>
    internal KissModel BuildModel()
    {
        var errors = new List<string>();
        var maps = _compilers.Select(compile => compile(errors)).ToList();
        if (errors.Count > 0)
        {
            throw new KissMappingException(
                "KissEf tracking maps are invalid:" + Environment.NewLine + string.Join(Environment.NewLine, errors));
        }

        return new KissModel([.. maps.OfType<KissEntityMap>()]);
    }

    private static string PathOf(IConfiguration configuration)
        => configuration is IConfigurationSection section ? $"the section '{section.Path}'" : "the root of the configuration";

    private KissEntityTypeBuilder<TEntity> EntityBuilder<TEntity>()
        where TEntity : class
    {
        if (_entities.TryGetValue(typeof(TEntity), out var existing))
        {
            return (KissEntityTypeBuilder<TEntity>)existing;
        }

        var builder = new KissEntityTypeBuilder<TEntity>();
        _entities.Add(typeof(TEntity), builder);
        _compilers.Add(errors => KissMapCompiler.Compile(builder, errors));
        return builder;
    }
}
