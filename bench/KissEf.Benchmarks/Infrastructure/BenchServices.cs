using KissEf.Benchmarks.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Benchmarks.Infrastructure;

/// <summary>How a benchmark's contexts are configured.</summary>
public enum Tracking
{
    /// <summary>Plain EF Core: no UseKissTracking (the baseline).</summary>
    Off,

    /// <summary>KissEf with its default delivery: calls written to the outbox table in the transaction.</summary>
    Outbox,

    /// <summary>KissEf with UseDirectDelivery(): calls queued in memory after the commit.</summary>
    Direct,
}

/// <summary>Builds the application service providers of the benchmarks. No host is started: the dispatcher does not run.</summary>
public static class BenchServices
{
    public const string ApiKey = "bench-key";

    /// <summary>SQLite's synchronous mode for every benchmark connection: FULL (SQLite's default), NORMAL or OFF.</summary>
    public static string Synchronous { get; set; } = "FULL";

    /// <summary>KissTrackingOptions.ClaimBatchSize for the benchmarks' providers; null keeps the library's default.</summary>
    public static int? ClaimBatchSize { get; set; }

    /// <param name="tracking">The configuration.</param>
    /// <param name="db">The database the contexts open.</param>
    /// <param name="endpoint">The tracking endpoint; null for a dry run (nothing is sent, no key needed).</param>
    public static ServiceProvider Build(Tracking tracking, IBenchDatabase db, Uri? endpoint = null)
        => Build(tracking, _ => db, endpoint, services: null, tenants: false);

    /// <summary>
    /// A multi-tenant application with a database per tenant (issue 17): <see cref="BenchTenants"/> lists the tenants of
    /// <paramref name="tenants"/>, and each scope's contexts open the database of the tenant it was entered for
    /// (<see cref="BenchTenantScope"/>); a context created outside any tenant throws, as an application whose every
    /// database is a tenant's.
    /// </summary>
    public static ServiceProvider BuildTenants(IReadOnlyDictionary<string, IBenchDatabase> tenants, Uri endpoint)
        => Build(
            Tracking.Outbox,
            sp => sp.GetRequiredService<BenchTenantScope>().Database
                  ?? throw new InvalidOperationException("BenchContext is created in a tenant's scope only (no tenant entered)."),
            endpoint,
            services => services.AddSingleton(tenants).AddScoped<BenchTenantScope>(),
            tenants: true);

    private static ServiceProvider Build(Tracking tracking, Func<IServiceProvider, IBenchDatabase> database, Uri? endpoint, Action<IServiceCollection>? services, bool tenants)
    {
        var collection = new ServiceCollection();
        collection.AddLogging();
        services?.Invoke(collection);
        if (tracking != Tracking.Off)
        {
            collection.AddKissTracking(kiss =>
            {
                if (endpoint is null)
                {
                    kiss.UseDryRun();
                }
                else
                {
                    kiss.UseApiKey(ApiKey).UseEndpoint(endpoint);
                }

                if (tracking == Tracking.Direct)
                {
                    kiss.UseDirectDelivery().Configure(o => o.QueueCapacity = 100_000);
                }

                if (ClaimBatchSize is { } claim)
                {
                    kiss.Configure(o => o.ClaimBatchSize = claim);
                }

                if (tenants)
                {
                    kiss.UseTenants<BenchTenants>();
                }

                kiss.MapCustomer().MapVisitor().MapExtra();
            });
        }

        collection.AddDbContext<BenchContext>((sp, options) =>
        {
            var db = database(sp);
            db.Use(options);
            if (db is DbFile && !string.Equals(Synchronous, "FULL", StringComparison.OrdinalIgnoreCase))
            {
                options.AddInterceptors(new SqliteSyncInterceptor(Synchronous));
            }
            if (tracking != Tracking.Off)
            {
                options.UseKissTracking(sp);
            }
        });
        return collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = false, ValidateOnBuild = false });
    }

    /// <summary>Creates <paramref name="db"/> (a SQLite file anew) with every table (the outbox's included) and, optionally, customers.</summary>
    public static void CreateDatabase(IBenchDatabase db, int customers = 0)
    {
        (db as DbFile)?.Delete();
        using (var services = Build(Tracking.Outbox, db))
        using (var scope = services.CreateScope())
        {
            scope.ServiceProvider.GetRequiredService<BenchContext>().Database.EnsureCreated();
        }

        if (customers > 0)
        {
            using var plain = Build(Tracking.Off, db);
            InsertCustomers(plain, 0, customers);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    /// <summary>Inserts customers <paramref name="first"/>.. in saves of 1,000, each with a fresh context.</summary>
    public static void InsertCustomers(IServiceProvider services, int first, int count)
    {
        for (var start = first; start < first + count; start += 1000)
        {
            using var scope = services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<BenchContext>();
            var end = Math.Min(start + 1000, first + count);
            for (var i = start; i < end; i++)
            {
                db.Customers.Add(Customer.Create(i));
            }

            db.SaveChanges();
        }
    }
}
