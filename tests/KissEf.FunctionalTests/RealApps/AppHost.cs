using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.RealApps;

/// <summary>What an <see cref="AppHost"/> is built with, beyond the maps.</summary>
public sealed class AppHostOptions
{
    /// <summary>Services of the application, registered before AddKissTracking (a FakeTimeProvider, ICurrentUser...).</summary>
    public Action<IServiceCollection>? Services { get; set; }

    /// <summary>Interceptors added with AddInterceptors before UseKissTracking, from the scope's provider.</summary>
    public Func<IServiceProvider, IInterceptor[]>? InterceptorsBefore { get; set; }

    /// <summary>Interceptors added with AddInterceptors after UseKissTracking, from the scope's provider.</summary>
    public Func<IServiceProvider, IInterceptor[]>? InterceptorsAfter { get; set; }

    /// <summary>Extra KissEf settings, applied after the test defaults.</summary>
    public Action<KissTrackingOptions>? Kiss { get; set; }

    /// <summary>Start the host; false leaves it built only.</summary>
    public bool Start { get; set; } = true;
}

/// <summary>
/// The application of <see cref="AppShopContext"/>, wired as a user's app is: a Generic Host, AddKissTracking (the
/// given maps and delivery, endpoint = a fresh <see cref="FakeTrackingServer"/>), and
/// <c>AddDbContext((sp, db) =&gt; db.UseSqlite(cs).AddInterceptors(...).UseKissTracking(sp).AddInterceptors(...))</c>
/// on a fresh SQLite file; every log entry captured.
/// </summary>
public sealed class AppHost : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TestHostCore _core;

    private AppHost(FakeTrackingServer server, SqliteDatabase database, IHost host, TestLogCollector logs)
    {
        Server = server;
        Database = database;
        _core = new TestHostCore(host);
        Logs = logs;
    }

    public FakeTrackingServer Server { get; }

    public SqliteDatabase Database { get; }

    public IServiceProvider Services => _core.Services;

    public TestLogCollector Logs { get; }

    public static async Task<AppHost> StartAsync(Delivery delivery, Action<KissTrackingBuilder> maps, Action<AppHostOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(maps);
        var options = new AppHostOptions();
        configure?.Invoke(options);

        var server = await FakeTrackingServer.StartAsync();
        var database = new SqliteDatabase();
        var logs = new TestLogCollector();
        try
        {
            var builder = TestHostCore.CreateBuilder(logs, LogLevel.Trace, shutdownTimeout: TimeSpan.FromSeconds(20));
            options.Services?.Invoke(builder.Services);
            builder.Services.AddKissTracking(kiss =>
            {
                kiss.UseApiKey(TestHost.ApiKey).UseEndpoint(server.Endpoint);
                kiss.Configure(o => TestHostCore.ApplyTestTimings(o, pollInterval: TimeSpan.FromMilliseconds(200)));
                if (delivery == Delivery.Direct)
                {
                    kiss.UseDirectDelivery();
                }

                maps(kiss);
                if (options.Kiss is { } extra)
                {
                    kiss.Configure(extra);
                }
            });

            var connectionString = database.ConnectionString;
            builder.Services.AddDbContext<AppShopContext>((sp, db) =>
            {
                db.UseSqlite(connectionString);
                if (options.InterceptorsBefore is { } before)
                {
                    db.AddInterceptors(before(sp));
                }

                db.UseKissTracking(sp);
                if (options.InterceptorsAfter is { } after)
                {
                    db.AddInterceptors(after(sp));
                }
            });

            var host = builder.Build();
            var app = new AppHost(server, database, host, logs);

            // A standalone context (no interceptors of the app) creates the schema, the outbox table included.
            var schema = new DbContextOptionsBuilder<AppShopContext>()
                .UseSqlite(connectionString)
                .UseKissTracking(host.Services)
                .Options;
            await using (var db = new AppShopContext(schema))
            {
                await db.Database.EnsureCreatedAsync();
            }

            if (options.Start)
            {
                await app.StartHostAsync();
            }

            return app;
        }
        catch
        {
            await server.DisposeAsync();
            database.Dispose();
            throw;
        }
    }

    public Task StartHostAsync() => _core.StartAsync();

    /// <summary>A new DI scope with its context, as one request of the application would have.</summary>
    public AppScope OpenScope() => new(Services.CreateScope());

    /// <summary>Runs <paramref name="work"/> on a context of its own scope.</summary>
    public async Task WithContextAsync(Func<AppShopContext, Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var scope = OpenScope();
        await work(scope.Db);
    }

    /// <summary>Adds <paramref name="entities"/> in one SaveChanges of a fresh context.</summary>
    public async Task AddAsync(params object[] entities)
    {
        using var scope = OpenScope();
        scope.Db.AddRange(entities);
        await scope.Db.SaveChangesAsync();
    }

    /// <summary>FlushAsync with a deadline, so a hang fails the test instead of the run.</summary>
    public async Task FlushAsync()
    {
        using var deadline = new CancellationTokenSource(Deadline);
        await Services.GetRequiredService<IKissDispatcher>().FlushAsync(deadline.Token);
    }

    /// <summary>Flushes, then returns what the server answered 200 to.</summary>
    public async Task<IReadOnlyList<ReceivedCall>> FlushedCallsAsync()
    {
        await FlushAsync();
        return Server.Calls;
    }

    /// <summary>Flushes what earlier saves sent (the test's setup) and forgets it at the server.</summary>
    public async Task FlushAndResetAsync()
    {
        await FlushAsync();
        Server.Reset();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _core.StopAsync();
        }
        catch (Exception)
        {
            // A test that broke the host already failed (or meant to).
        }
        finally
        {
            _core.Dispose();
            await Server.DisposeAsync();
            Database.Dispose();
        }
    }
}

/// <summary>A DI scope and its <see cref="AppShopContext"/>.</summary>
public sealed class AppScope(IServiceScope scope) : IDisposable
{
    public IServiceProvider Services => scope.ServiceProvider;

    public AppShopContext Db { get; } = scope.ServiceProvider.GetRequiredService<AppShopContext>();

    public void Dispose() => scope.Dispose();
}
