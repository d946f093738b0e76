using KissEf.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Support;

/// <summary>
/// One "application instance" of the outbox tests: a Generic Host with KissEf's outbox (the default delivery) and
/// <see cref="OutboxShopContext"/> on a SQLite file (or a PostgreSQL database, by its connection string), sending to a <see cref="FakeTrackingServer"/>. Built, not
/// started: <see cref="StartAsync"/> runs the dispatcher; until then every committed call stays in the table
/// (unless a test calls <see cref="IKissDispatcher.FlushAsync"/>). Several instances may share one database.
/// </summary>
public sealed class OutboxTestHost : IAsyncDisposable
{
    private readonly TestHostCore _core;

    private OutboxTestHost(TestHostCore core, TestLogCollector logs)
    {
        _core = core;
        Logs = logs;
    }

    public IServiceProvider Services => _core.Services;

    public IKissOutbox Outbox => Services.GetRequiredService<IKissOutbox>();

    public IKissDispatcher Dispatcher => Services.GetRequiredService<IKissDispatcher>();

    /// <summary>What this instance logged: KissEf from Debug up (event 2001 = one delivered call), others from Warning.</summary>
    public TestLogCollector Logs { get; }

    /// <summary>
    /// Builds an instance with options fit for tests (poll 50 ms, retries from 20 ms up to 200 ms),
    /// then <paramref name="configure"/>; <paramref name="context"/> adds to the context's options after UseKissTracking.
    /// </summary>
    public static OutboxTestHost Create(
        string connectionString,
        Uri endpoint,
        Action<KissTrackingOptions>? configure = null,
        Func<KissTrackingBuilder, KissTrackingBuilder>? maps = null,
        Action<DbContextOptionsBuilder>? context = null)
    {
        var logs = new TestLogCollector();
        var builder = CreateBuilder<OutboxShopContext>(logs, connectionString, endpoint, configure, maps, context);
        return new OutboxTestHost(new TestHostCore(builder.Build()), logs);
    }

    /// <summary>
    /// The builder of an instance whose tracked context is <typeparamref name="TContext"/> (customers mapped by
    /// <paramref name="maps"/>, <see cref="OutboxShop.MapCustomers"/> by default), logging to <paramref name="logs"/>.
    /// </summary>
    public static HostApplicationBuilder CreateBuilder<TContext>(
        TestLogCollector logs,
        string connectionString,
        Uri endpoint,
        Action<KissTrackingOptions>? configure = null,
        Func<KissTrackingBuilder, KissTrackingBuilder>? maps = null,
        Action<DbContextOptionsBuilder>? context = null)
        where TContext : DbContext
    {
        var builder = TestHostCore.CreateBuilder(logs, LogLevel.Debug, shutdownTimeout: TimeSpan.FromSeconds(15));
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("System", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.Services.AddKissTracking(kiss => (maps ?? OutboxShop.MapCustomers)(kiss
            .UseApiKey(OutboxShop.ApiKey)
            .UseEndpoint(endpoint))
            .Configure(o =>
            {
                TestHostCore.ApplyTestTimings(o, pollInterval: TimeSpan.FromMilliseconds(50));
                configure?.Invoke(o);
            }));
        builder.Services.AddDbContext<TContext>((sp, db) =>
        {
            db.Use(Providers.Of(connectionString), connectionString).UseKissTracking(sp);
            context?.Invoke(db);
        });
        return builder;
    }

    public static OutboxTestHost Create(SqliteDatabase database, FakeTrackingServer server, Action<KissTrackingOptions>? configure = null, Func<KissTrackingBuilder, KissTrackingBuilder>? maps = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(server);
        return Create(database.ConnectionString, server.Endpoint, configure, maps);
    }

    /// <summary>Starts the host: the outbox dispatcher starts draining.</summary>
    public Task StartAsync() => _core.StartAsync();

    /// <summary>Stops the host if it was started (the dispatcher drains within its ShutdownTimeout).</summary>
    public Task StopAsync() => _core.StopAsync();

    /// <summary>Runs <paramref name="work"/> with a context of its own scope (as a request of the app would).</summary>
    public async Task WithContextAsync(Func<OutboxShopContext, Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var scope = Services.CreateScope();
        await work(scope.ServiceProvider.GetRequiredService<OutboxShopContext>());
    }

    /// <summary>Runs <paramref name="work"/> with a context of its own scope and returns its result.</summary>
    public async Task<T> WithContextAsync<T>(Func<OutboxShopContext, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var scope = Services.CreateScope();
        return await work(scope.ServiceProvider.GetRequiredService<OutboxShopContext>());
    }

    /// <summary>Creates the customers table and the outbox table.</summary>
    public Task EnsureCreatedAsync() => WithContextAsync(db => db.Database.EnsureCreatedAsync());

    /// <summary>Adds customers in one SaveChanges (one implicit transaction): one "Signed Up" call each.</summary>
    public Task AddCustomersAsync(IEnumerable<OutboxCustomer> customers)
        => WithContextAsync(async db =>
        {
            db.Customers.AddRange(customers);
            await db.SaveChangesAsync();
        });

    /// <summary>Customers <paramref name="prefix"/>-<c>start</c> .. <c>start+count-1</c>, e-mail and name derived from the key.</summary>
    public static IEnumerable<OutboxCustomer> Customers(string prefix, int start, int count)
        => Enumerable.Range(start, count).Select(i => Customer($"{prefix}-{i}"));

    public static OutboxCustomer Customer(string key) => new() { Email = EmailOf(key), Name = NameOf(key) };

    public static string EmailOf(string key) => $"{key}@outbox.test";

    public static string NameOf(string key) => $"Customer {key}";

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _core.Dispose();
        }
    }
}
