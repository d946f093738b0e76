using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Tenants;

/// <summary>
/// The multi-tenant test application: a Generic Host with KissEf (<c>UseTenants&lt;SaasTenants&gt;()</c>, the outbox
/// unless told otherwise) and <see cref="SaasShopContext"/>, a SQLite file per tenant, sending to a
/// <see cref="FakeTrackingServer"/>, with the health check. Built, not started. Its tenants' files go with it.
/// It is the application docs/multi-tenant.md shows (its snippets are pulled from the Saas* files), written as a user
/// would write it; the tests of the dispatcher's mechanics on SQLite and PostgreSQL share Support/Tenants instead.
/// </summary>
public sealed class SaasHost : IAsyncDisposable
{
    /// <summary>The application's KISSmetrics key (tenants without a key of their own send with it).</summary>
    public const string ApiKey = "saas-APP-key-0d1e";

    public const string SignedUp = "Signed Up";

    private readonly TestHostCore _core;
    private readonly List<SqliteDatabase> _databases = [];
    private readonly Dictionary<string, SaasTenant> _down = new(StringComparer.Ordinal);

    private SaasHost(TestHostCore core, TestLogCollector logs)
    {
        _core = core;
        Logs = logs;
    }

    public IServiceProvider Services => _core.Services;

    public SaasTenantDirectory Directory => Services.GetRequiredService<SaasTenantDirectory>();

    public IKissOutbox Outbox => Services.GetRequiredService<IKissOutbox>();

    public IKissDispatcher Dispatcher => Services.GetRequiredService<IKissDispatcher>();

    public IKissBackfill Backfill => Services.GetRequiredService<IKissBackfill>();

    /// <summary>What the application logged: KissEf from Debug up, others from Warning.</summary>
    public TestLogCollector Logs { get; }

    public static SaasHost Create(FakeTrackingServer server, Action<KissTrackingBuilder>? kiss = null, Action<IServiceCollection>? services = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        var logs = new TestLogCollector();
        var builder = TestHostCore.CreateBuilder(logs, LogLevel.Debug, shutdownTimeout: TimeSpan.FromSeconds(15));
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("System", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);

        #region registration
        builder.Services.AddSingleton<SaasTenantDirectory>();
        builder.Services.AddScoped<SaasTenantScope>();
        builder.Services.AddKissTracking(kiss => kiss
            .UseApiKey(ApiKey)
            .UseTenants<SaasTenants>()
            .Entity<SaasMember>(m =>
            {
                m.HasIdentity(x => x.Email);
                m.OnAdded().Record("Signed Up").With("plan", x => x.Plan).At(x => x.JoinedAt);
            }));
        builder.Services.AddDbContext<SaasShopContext>((sp, options) => options.UseKissTracking(sp));
        #endregion

        builder.Services.AddKissTracking(k =>
        {
            k.UseEndpoint(server.Endpoint).Configure(o =>
            {
                TestHostCore.ApplyTestTimings(o, pollInterval: TimeSpan.FromMilliseconds(50));
                o.TenantRefreshInterval = TimeSpan.FromSeconds(1);
            });
            kiss?.Invoke(k);
        });
        builder.Services.AddHealthChecks().AddKissTracking();
        services?.Invoke(builder.Services);
        return new SaasHost(new TestHostCore(builder.Build()), logs);
    }

    public Task StartAsync() => _core.StartAsync();

    public Task StopAsync() => _core.StopAsync();

    /// <summary>Adds a tenant with a database of its own (its tables created) and, if given, a KISSmetrics key of its own.</summary>
    public async Task AddTenantAsync(string id, string? key = null)
    {
        var database = new SqliteDatabase();
        _databases.Add(database);
        Directory.Set(new SaasTenant(id, database.ConnectionString, key));
        await InTenantAsync(id, db => db.Database.EnsureCreatedAsync());
    }

    /// <summary>Adds a tenant whose database is <paramref name="sharedWith"/>'s (tables and outbox shared).</summary>
    public void AddTenantOn(string id, string sharedWith, string? key = null)
        => Directory.Set(new SaasTenant(id, Directory.Find(sharedWith)!.ConnectionString, key));

    /// <summary>
    /// Takes <paramref name="id"/>'s database "down": its connection string points at a directory, which SQLite cannot
    /// open (the file and its rows stay, for <see cref="BringUp"/>).
    /// </summary>
    public void TakeDown(string id)
    {
        var down = System.IO.Directory.CreateTempSubdirectory("kissef-down-").FullName;
        _down[id] = Directory.Find(id)!;
        Directory.Set(_down[id] with { ConnectionString = $"Data Source={down};Pooling=False" });
    }

    /// <summary>Gives <paramref name="id"/> its database back.</summary>
    public void BringUp(string id) => Directory.Set(_down[id]);

    /// <summary>The file of <paramref name="id"/>'s database.</summary>
    public SqliteDatabase DatabaseOf(string id)
        => _databases.Single(d => d.ConnectionString == (_down.TryGetValue(id, out var up) ? up : Directory.Find(id)!).ConnectionString);

    /// <summary>Runs <paramref name="work"/> with a context of a scope of <paramref name="id"/>, as a request of that tenant would.</summary>
    public async Task<T> InTenantAsync<T>(string id, Func<SaasShopContext, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<SaasTenantScope>().Current = Directory.Find(id) ?? throw new InvalidOperationException($"No tenant {id}.");
        return await work(scope.ServiceProvider.GetRequiredService<SaasShopContext>());
    }

    public Task InTenantAsync(string id, Func<SaasShopContext, Task> work)
        => InTenantAsync(id, async db =>
        {
            await work(db);
            return true;
        });

    /// <summary>Signs up members in one save of <paramref name="tenant"/>: one "Signed Up" call each.</summary>
    public Task SignUpAsync(string tenant, params string[] emails)
        => InTenantAsync(tenant, async db =>
        {
            db.Members.AddRange(emails.Select(e => new SaasMember { Email = e }));
            await db.SaveChangesAsync();
        });

    /// <summary>Runs every registered check, as an /health endpoint would, and returns KissEf's entry.</summary>
    public Task<HealthReportEntry> CheckAsync() => Kit.KitHost.CheckAsync(Services);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _core.StopAsync();
        }
        finally
        {
            _core.Dispose();
            foreach (var database in _databases)
            {
                database.Dispose();
            }
        }
    }
}
