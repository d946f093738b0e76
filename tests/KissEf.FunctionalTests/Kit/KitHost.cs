using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Kit;

/// <summary>
/// A Generic Host as an application of the production kit's tests has it: KissEf (outbox unless told otherwise)
/// tracking <see cref="OutboxShopContext"/> on a SQLite file, sending to a <see cref="FakeTrackingServer"/>, with
/// <c>AddHealthChecks().AddKissTracking()</c>. Built, not started.
/// </summary>
public sealed class KitHost : IAsyncDisposable
{
    private readonly TestHostCore _core;

    private KitHost(TestHostCore core) => _core = core;

    public IServiceProvider Services => _core.Services;

    public static KitHost Create(
        SqliteDatabase database,
        FakeTrackingServer server,
        Action<KissTrackingBuilder>? kiss = null,
        TimeProvider? time = null)
    {
        var builder = TestHostCore.CreateBuilder(new TestLogCollector(), LogLevel.Warning, shutdownTimeout: TimeSpan.FromSeconds(15));
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddKissTracking(k =>
        {
            k.UseApiKey(OutboxShop.ApiKey).UseEndpoint(server.Endpoint).MapCustomers()
                .Configure(o => TestHostCore.ApplyTestTimings(o, pollInterval: TimeSpan.FromMilliseconds(50)));
            kiss?.Invoke(k);
        });
        builder.Services.AddDbContext<OutboxShopContext>((sp, db) => db.UseSqlite(database.ConnectionString).UseKissTracking(sp));
        builder.Services.AddHealthChecks().AddKissTracking();
        return new KitHost(new TestHostCore(builder.Build()));
    }

    public Task StartAsync() => _core.StartAsync();

    public async Task WithContextAsync(Func<OutboxShopContext, Task> work)
    {
        using var scope = Services.CreateScope();
        await work(scope.ServiceProvider.GetRequiredService<OutboxShopContext>());
    }

    public Task EnsureCreatedAsync() => WithContextAsync(db => db.Database.EnsureCreatedAsync());

    public Task AddCustomersAsync(string prefix, int count)
        => WithContextAsync(async db =>
        {
            db.Customers.AddRange(OutboxTestHost.Customers(prefix, 0, count));
            await db.SaveChangesAsync();
        });

    /// <summary>Runs every registered check, as an /health endpoint would, and returns KissEf's entry.</summary>
    public Task<HealthReportEntry> CheckAsync() => CheckAsync(Services);

    /// <summary>Runs every check registered in <paramref name="services"/>, as an /health endpoint would, and returns KissEf's entry.</summary>
    public static async Task<HealthReportEntry> CheckAsync(IServiceProvider services)
    {
        var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        return report.Entries["kissef"];
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _core.StopAsync();
        }
        finally
        {
            _core.Dispose();
        }
    }
}
