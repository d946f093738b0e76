using KissEf.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Support.Tenants;

/// <summary>
/// One "application instance" of the tenant tests: a Generic Host with KissEf's outbox and <c>UseTenants</c>
/// (<see cref="TestTenants"/> over a <see cref="TenantStore"/>), a context whose database is its tenant's, sending to a
/// <see cref="FakeTrackingServer"/>. Built, not started, as <see cref="OutboxTestHost"/>. Several instances may share
/// tenant databases, each with a store of its own.
/// </summary>
public sealed class TenantTestHost : IAsyncDisposable
{
    private readonly TestHostCore _core;

    private TenantTestHost(TestHostCore core, TestLogCollector logs, TenantStore store, Type contextType)
    {
        _core = core;
        Logs = logs;
        Store = store;
        ContextType = contextType;
    }

    public IServiceProvider Services => _core.Services;

    public IKissOutbox Outbox => Services.GetRequiredService<IKissOutbox>();

    public IKissDispatcher Dispatcher => Services.GetRequiredService<IKissDispatcher>();

    /// <summary>What this instance logged: KissEf from Debug up, others from Warning.</summary>
    public TestLogCollector Logs { get; }

    /// <summary>This instance's tenants.</summary>
    public TenantStore Store { get; }

    /// <summary>The context type registered (<see cref="TenantShopContext"/> or <see cref="StrictTenantShopContext"/>).</summary>
    public Type ContextType { get; }

    /// <summary>
    /// An instance with <see cref="TenantShopContext"/> and options fit for tests (poll 50 ms, retries from 20 ms up to
    /// 200 ms), then <paramref name="configure"/>.
    /// </summary>
    public static TenantTestHost Create(TenantStore store, Uri endpoint, Action<KissTrackingOptions>? configure = null)
        => Create<TenantShopContext>(store, endpoint, configure);

    /// <summary>The same with <typeparamref name="TContext"/>; <paramref name="context"/> adds to its options after UseKissTracking.</summary>
    public static TenantTestHost Create<TContext>(
        TenantStore store,
        Uri endpoint,
        Action<KissTrackingOptions>? configure = null,
        Action<DbContextOptionsBuilder>? context = null)
        where TContext : TenantShopContextBase
    {
        var logs = new TestLogCollector();
        var builder = TestHostCore.CreateBuilder(logs, LogLevel.Debug, shutdownTimeout: TimeSpan.FromSeconds(15));
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("System", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.Services.AddTenantShop<TContext>(
            store,
            endpoint,
            o =>
            {
                TestHostCore.ApplyTestTimings(o, pollInterval: TimeSpan.FromMilliseconds(50));
                configure?.Invoke(o);
            },
            context);
        return new TenantTestHost(new TestHostCore(builder.Build()), logs, store, typeof(TContext));
    }

    /// <summary>The key (<see cref="OutboxCalls.KeyOf"/>) of the call of a user added with <paramref name="email"/>.</summary>
    public static string SignedUp(string email) => $"/e {email} {TenantShop.SignedUp}";

    /// <summary>Starts the host: the dispatcher starts working every tenant.</summary>
    public Task StartAsync() => _core.StartAsync();

    /// <summary>Stops the host if it was started (the dispatcher drains within its ShutdownTimeout).</summary>
    public Task StopAsync() => _core.StopAsync();

    /// <summary>
    /// Runs <paramref name="work"/> with a context of a new scope whose tenant is <paramref name="tenant"/> (as a request
    /// of the application, its tenant resolved, would).
    /// </summary>
    public async Task<T> InTenantAsync<T>(string tenant, Func<TenantShopContextBase, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var scope = Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Id = tenant;
        return await work((TenantShopContextBase)scope.ServiceProvider.GetRequiredService(ContextType));
    }

    public Task InTenantAsync(string tenant, Func<TenantShopContextBase, Task> work)
        => InTenantAsync(tenant, async db =>
        {
            await work(db);
            return true;
        });

    /// <summary>Creates the users table and the outbox table in each of <paramref name="tenants"/>' databases.</summary>
    public async Task EnsureCreatedAsync(IEnumerable<string> tenants)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        foreach (var tenant in tenants)
        {
            await InTenantAsync(tenant, db => db.Database.EnsureCreatedAsync());
        }
    }

    /// <summary>Adds users in <paramref name="tenant"/> in one SaveChanges: one "Signed Up" call each.</summary>
    public Task AddUsersAsync(string tenant, IEnumerable<string> emails)
        => InTenantAsync(tenant, async db =>
        {
            db.Users.AddRange(emails.Select(e => new TenantUser { Email = e }));
            await db.SaveChangesAsync();
        });

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
