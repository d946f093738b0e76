using KissEf;
using KissEf.Capture;
using KissEf.Outbox;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Turns KissEf's tracking on for a DbContext.</summary>
public static class KissDbContextOptionsBuilderExtensions
{
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
        var options = services.GetRequiredService<IOptions<KissTrackingOptions>>().Value;
        var outbox = runtime.Delivery.PersistsInTransaction;
        ((IDbContextOptionsBuilderInfrastructure)optionsBuilder).AddOrUpdateExtension(
            new KissOptionsExtension(runtime, outbox ? options.OutboxTable : null, outbox ? options.OutboxSchema : null, typeof(KissOutboxConventionSetPlugin)));
        return optionsBuilder;
    }

    /// <inheritdoc cref="UseKissTracking(DbContextOptionsBuilder, IServiceProvider)"/>
    public static DbContextOptionsBuilder<TContext> UseKissTracking<TContext>(
        this DbContextOptionsBuilder<TContext> optionsBuilder,
        IServiceProvider services)
        where TContext : DbContext
        => (DbContextOptionsBuilder<TContext>)UseKissTracking((DbContextOptionsBuilder)optionsBuilder, services);
}
