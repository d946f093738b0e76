using KissEf.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Support;

/// <summary>How committed calls leave: the default outbox, or <c>UseDirectDelivery()</c>.</summary>
public enum Delivery
{
    Outbox,
    Direct,
}

/// <summary>What a <see cref="TestHost"/> is built with, beyond the maps.</summary>
public sealed class TestHostOptions
{
    /// <summary>Extra KissEf settings, applied after the test defaults.</summary>
    public Action<KissTrackingOptions>? Kiss { get; set; }

    /// <summary>Services registered before AddKissTracking (a FakeTimeProvider, say).</summary>
    public Action<IServiceCollection>? Services { get; set; }

    /// <summary>Services registered after AddKissTracking (an application's service defaults, say).</summary>
    public Action<IServiceCollection>? ServicesAfter { get; set; }

    /// <summary>Register the context with AddDbContextPool instead of AddDbContext.</summary>
    public bool Pool { get; set; }

    /// <summary>Start the host (the dispatcher and the start-up validator); false leaves it built only.</summary>
    public bool Start { get; set; } = true;

    /// <summary>Leave the test defaults for retries and timeouts alone (RetryBaseDelay etc.).</summary>
    public bool LibraryDefaults { get; set; }

    /// <summary>The database: a SQLite file (the default) or a fresh PostgreSQL database.</summary>
    public Provider Provider { get; set; }
}

/// <summary>
/// One application for the core tests: a Generic Host with AddKissTracking (the given maps and delivery),
/// <see cref="TestShopContext"/> on a fresh SQLite file (or PostgreSQL database), KissEf's endpoint = a fresh <see cref="FakeTrackingServer"/>,
/// and every log entry captured at Trace level.
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    /// <summary>Holds characters that must be escaped, so that the key's encoding is tested too.</summary>
    public const string ApiKey = "core-KEY+s3cr3t/=7f";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TestHostCore _core;

    private TestHost(FakeTrackingServer server, SqliteDatabase database, IHost host, TestLogCollector logs, Delivery delivery)
    {
        Server = server;
        Database = database;
        _core = new TestHostCore(host);
        Logs = logs;
        Delivery = delivery;
    }

    public FakeTrackingServer Server { get; }

    public SqliteDatabase Database { get; }

    public IHost Host => _core.Host;

    public IServiceProvider Services => Host.Services;

    public TestLogCollector Logs { get; }

    public Delivery Delivery { get; }

    public IKissDispatcher Dispatcher => Services.GetRequiredService<IKissDispatcher>();

    /// <summary>Builds (and by default starts) a host tracking with <paramref name="maps"/>.</summary>
    public static async Task<TestHost> StartAsync(Delivery delivery, Action<KissTrackingBuilder> maps, Action<TestHostOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(maps);
        var options = new TestHostOptions();
        configure?.Invoke(options);

        var server = await FakeTrackingServer.StartAsync();
        var database = new SqliteDatabase();
        var logs = new TestLogCollector();
        try
        {
            var connection = await Providers.CreateDatabaseAsync(options.Provider, database);
            var builder = TestHostCore.CreateBuilder(logs, LogLevel.Trace, shutdownTimeout: TimeSpan.FromSeconds(20));
            options.Services?.Invoke(builder.Services);
            builder.Services.AddKissTracking(kiss =>
            {
                kiss.UseApiKey(ApiKey).UseEndpoint(server.Endpoint);
                if (!options.LibraryDefaults)
                {
                    kiss.Configure(o => TestHostCore.ApplyTestTimings(o, pollInterval: TimeSpan.FromMilliseconds(200)));
                }

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

            options.ServicesAfter?.Invoke(builder.Services);
            if (options.Pool)
            {
                builder.Services.AddDbContextPool<TestShopContext>((sp, db) => db.Use(options.Provider, connection).UseKissTracking(sp));
            }
            else
            {
                builder.Services.AddDbContext<TestShopContext>((sp, db) => db.Use(options.Provider, connection).UseKissTracking(sp));
            }

            var host = builder.Build();
            var test = new TestHost(server, database, host, logs, delivery);
            // A standalone context (never pooled) creates the schema, the outbox table included when it is on.
            var schema = new DbContextOptionsBuilder<TestShopContext>()
                .Use(options.Provider, connection)
                .UseKissTracking(host.Services)
                .Options;
            await using (var db = new TestShopContext(schema))
            {
                await db.Database.EnsureCreatedAsync();
            }

            if (options.Start)
            {
                await test.StartHostAsync();
            }

            return test;
        }
        catch
        {
            await server.DisposeAsync();
            database.Dispose();
            throw;
        }
    }

    /// <summary>Starts the host's hosted services (when built with Start = false).</summary>
    public Task StartHostAsync() => _core.StartAsync();

    /// <summary>Stops the host (the dispatcher drains within its ShutdownTimeout).</summary>
    public Task StopHostAsync() => _core.StopAsync();

    /// <summary>A new DI scope with its context, as one request of the application would have.</summary>
    public ShopScope OpenScope() => new(Services.CreateScope());

    /// <summary>Runs <paramref name="work"/> on a context of its own scope.</summary>
    public void WithContext(Action<TestShopContext> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var scope = OpenScope();
        work(scope.Db);
    }

    /// <summary>Runs <paramref name="work"/> on a context of its own scope.</summary>
    public async Task WithContextAsync(Func<TestShopContext, Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var scope = OpenScope();
        await work(scope.Db);
    }

    /// <summary>Adds <paramref name="entities"/> in one SaveChanges of a fresh context.</summary>
    public void Add(params object[] entities) => WithContext(db =>
    {
        db.AddRange(entities);
        db.SaveChanges();
    });

    /// <summary>FlushAsync with a deadline, so a hang fails the test instead of the run.</summary>
    public async Task FlushAsync()
    {
        using var deadline = new CancellationTokenSource(Deadline);
        await Dispatcher.FlushAsync(deadline.Token);
    }

    /// <summary>Flushes, then returns what the server answered 200 to.</summary>
    public async Task<IReadOnlyList<ReceivedCall>> FlushedCallsAsync()
    {
        await FlushAsync();
        return Server.Calls;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopHostAsync();
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

/// <summary>A DI scope and its <see cref="TestShopContext"/>.</summary>
public sealed class ShopScope(IServiceScope scope) : IDisposable
{
    public TestShopContext Db { get; } = scope.ServiceProvider.GetRequiredService<TestShopContext>();

    public IServiceProvider Services => scope.ServiceProvider;

    public void Dispose() => scope.Dispose();
}
