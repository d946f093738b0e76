using KissEf;
using KissEf.Internal.Capture;
using KissEf.Internal.Configuration;
using KissEf.Internal.Outbox;
using KissEf.Internal.Providers;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Turns KissEf's tracking on for a DbContext.</summary>
public static class KissDbContextOptionsBuilderExtensions
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<KissRuntime, KissOptionsExtension> Extensions = new();

    /// <summary>
    /// Tracks this context's changes with the maps registered by <c>AddKissTracking</c> in
    /// <paramref name="services"/>: <c>services.AddDbContext&lt;T&gt;((sp, db) =&gt; db.UseSqlite(cs).UseKissTracking(sp))</c>.
    /// </summary>
    /// <param name="optionsBuilder">The context's options.</param>
    /// <param name="services">The application's service provider, where <c>AddKissTracking</c> registered KissEf.</param>
    /// <returns>The options builder.</returns>
    public static DbContextOptionsBuilder UseKissTracking(this DbContextOptionsBuilder optionsBuilder, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(optionsBuilder);
        ArgumentNullException.ThrowIfNull(services);
        var runtime = services.GetService<KissRuntime>()
            ?? throw new InvalidOperationException(
                "KissEf is not registered in this service provider: call services.AddKissTracking(kiss => ...) before UseKissTracking(sp).");
        // AddDbContext runs this for every scope: one immutable extension per runtime (per host) is reused, found
        // without the closure over services that making it needs (a closure and a delegate per context otherwise).
        if (!Extensions.TryGetValue(runtime, out var extension))
        {
            extension = Made(runtime, services);
        }

        ((IDbContextOptionsBuilderInfrastructure)optionsBuilder).AddOrUpdateExtension(extension);
        return optionsBuilder;
    }

    /// <inheritdoc cref="UseKissTracking(DbContextOptionsBuilder, IServiceProvider)"/>
    public static DbContextOptionsBuilder<TContext> UseKissTracking<TContext>(
        this DbContextOptionsBuilder<TContext> optionsBuilder,
        IServiceProvider services)
        where TContext : DbContext
        => (DbContextOptionsBuilder<TContext>)UseKissTracking((DbContextOptionsBuilder)optionsBuilder, services);

    /// <summary>The options extension of <paramref name="runtime"/>, made once per runtime (the first context's call).</summary>
    private static KissOptionsExtension Made(KissRuntime runtime, IServiceProvider services) => Extensions.GetValue(runtime, r =>
    {
        // Not IOptions.Value, which validates: a context must be creatable without a valid configuration (design-time
        // tools build it with no key). The host's start checks the options, and so does a save (the same message).
        var options = KissUnvalidatedOptions.Build(services);
        var outbox = r.Delivery.PersistsInTransaction;
        if (outbox && string.IsNullOrEmpty(options.OutboxTable))
        {
            // The table shapes the model: no model without it. Throws the options' validation failure.
            _ = services.GetRequiredService<IOptions<KissTrackingOptions>>().Value;
        }

        return new KissOptionsExtension(r, outbox ? options.OutboxTable : null, outbox ? options.OutboxSchema : null, AddOutboxServices);
    });

    /// <summary>What the outbox, and each provider's outbox code, add to EF's internal services of a tracked context.</summary>
    private static void AddOutboxServices(IServiceCollection services, string? outboxTable)
    {
        KissOutboxServices.Register(services);
        KissOutboxProviders.AddContextServices(services, outboxTable);
    }
}
