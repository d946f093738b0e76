using KissEf.Benchmarks.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KissEf.Benchmarks.Infrastructure;

/// <summary>
/// A host of the memory and bulk probes: KissEf in dry run (its outbox, no endpoint) with the given maps, over
/// <see cref="BenchContext"/> on a SQLite file whose tables (the outbox's included) it creates. Built, not started.
/// </summary>
public static class DryRunHost
{
    public static IHost Build(DbFile db, Func<KissTrackingBuilder, KissTrackingBuilder> maps)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(maps);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddKissTracking(kiss => maps(kiss.UseDryRun()));
        builder.Services.AddDbContext<BenchContext>((sp, options) => options.UseSqlite(db.ConnectionString).UseKissTracking(sp));
        var host = builder.Build();
        using var scope = host.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<BenchContext>().Database.EnsureCreated();
        return host;
    }
}
