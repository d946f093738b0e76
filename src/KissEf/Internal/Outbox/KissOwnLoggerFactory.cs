using System.Collections.Frozen;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KissEf.Internal.Outbox;

/// <summary>
/// EF's logger factory in the internal services of a tracked context, seen through a filter for KissEf's own work.
/// While the context is one of KissEf's own (<see cref="KissOwnContext"/>: claims, deletes, the gauge, the listener,
/// the table check, the operator's view, backfill chunks), EF's events of the command, connection, transaction, query
/// and update categories at Information and above are written at Debug. A stock web app logs EF's commands at
/// Information: the dispatcher's polling would fill its log, and KissEf reports what goes wrong with its own work under
/// its own event ids (2006, 2010, 2011). The application's contexts (of the same types, and the same pooled instances
/// once KissEf has given them back) log exactly as EF decides. The model's categories are left alone: a model built
/// by one of KissEf's contexts is the application's model, and its warnings are the application's.
/// </summary>
/// <remarks>
/// It decorates the factory EF registered (scoped: one per context instance, kept by a pooled one), so EF's own choice
/// of the application's logger factory stands. The flag is set and cleared by <see cref="KissOwnContext"/>.
/// </remarks>
internal sealed class KissOwnLoggerFactory(ILoggerFactory inner, bool ownsInner) : ILoggerFactory
{
    private static readonly FrozenSet<string> Quieted = FrozenSet.ToFrozenSet(
    [
        DbLoggerCategory.Database.Command.Name,
        DbLoggerCategory.Database.Connection.Name,
        DbLoggerCategory.Database.Transaction.Name,
        DbLoggerCategory.Query.Name,
        DbLoggerCategory.Update.Name,
    ], StringComparer.Ordinal);

    /// <summary>True while the context of this scope is KissEf's own.</summary>
    public bool IsOwn { get; set; }

    /// <summary>
    /// Wraps the logger factory registered so far in <paramref name="services"/> (EF's, added by the provider's
    /// extension, which comes before KissEf's in the options), or EF's choice made the same way when there is none yet.
    /// A factory the application registered with another lifetime is left as it is.
    /// </summary>
    public static void Register(IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(ILoggerFactory) && !d.IsKeyedService);
        if (registered is { Lifetime: not ServiceLifetime.Scoped })
        {
            return;
        }

        if (registered is not null)
        {
            services.Remove(registered);
        }

        services.AddScoped<ILoggerFactory>(sp => registered switch
        {
            null => Default(sp),
            { ImplementationInstance: ILoggerFactory instance } => new KissOwnLoggerFactory(instance, ownsInner: false),
            { ImplementationFactory: { } create } => new KissOwnLoggerFactory((ILoggerFactory)create(sp), ownsInner: true),
            _ => new KissOwnLoggerFactory((ILoggerFactory)ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!), ownsInner: true),
        });
    }

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return Quieted.Contains(categoryName) ? new KissOwnLogger(logger, this) : logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
        if (ownsInner)
        {
            inner.Dispose();
        }
    }

    /// <summary>EF's choice when KissEf's extension comes before the provider's: the options' factory, else the application's.</summary>
    private static KissOwnLoggerFactory Default(IServiceProvider internalServices)
    {
        var core = internalServices.GetService<Microsoft.EntityFrameworkCore.Infrastructure.IDbContextOptions>()
            ?.FindExtension<Microsoft.EntityFrameworkCore.Infrastructure.CoreOptionsExtension>();
        if (core?.LoggerFactory is { } configured)
        {
            return new KissOwnLoggerFactory(configured, ownsInner: false);
        }

        if (core?.ApplicationServiceProvider is { } application && application != internalServices
            && application.GetService<ILoggerFactory>() is { } factory)
        {
            return new KissOwnLoggerFactory(factory, ownsInner: false);
        }

        return new KissOwnLoggerFactory(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, ownsInner: false);
    }
}
