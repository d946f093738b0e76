// One application instance of the multi-instance tests. Usage:
//   KissEf.DispatcherHost <PostgreSQL connection string> <tracking endpoint> <lease ms> <poll ms>
//
// It starts a host whose KissEf outbox dispatcher drains the shared outbox table (claiming 2 rows at a time, so that
// instances keep competing for rows), prints "STARTED <process id>" once it runs, and stops cleanly when its stdin
// closes (so that an orphan never outlives the test run). The test kills one with SIGKILL mid-drain.
//
//   KissEf.DispatcherHost serve <SQLite or PostgreSQL connection string> <tracking endpoint> <poll ms>
//
// An application as a user writes it (issue 15, first start and stop): Host.CreateApplicationBuilder's defaults
// (console logging at Information, SIGTERM stops the host) and KissEf's outbox, with no migration at start: the
// database may have no outbox table, or go down. Prints "STARTED <process id>" once the host runs and "STOPPED" when
// it has stopped; stops on SIGTERM, or when its stdin closes.
//
//   KissEf.DispatcherHost tenants <tracking endpoint> <lease ms> <poll ms> <tenant>=<connection string>...
//
// An application instance with a database per tenant (issue 17): UseTenants over a store of the tenants given, the
// tenant tests' context and map; its dispatcher drains every tenant's outbox (2 rows a claim). Prints "STARTED <process
// id>" once it runs and stops cleanly when its stdin closes. The test kills it with SIGKILL mid-drain.
using System.Globalization;
using KissEf;
using KissEf.Tests.Support;
using KissEf.Tests.Support.Tenants;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

if (args.Length == 4 && args[0] == "serve")
{
    return await ServeAsync(args[1], new Uri(args[2]), TimeSpan.FromMilliseconds(int.Parse(args[3], CultureInfo.InvariantCulture)));
}

if (args.Length >= 5 && args[0] == "tenants")
{
    return await TenantsAsync(new Uri(args[1]), Milliseconds(args[2]), Milliseconds(args[3]), args[4..]);
}

if (args.Length != 4)
{
    await Console.Error.WriteLineAsync("usage: KissEf.DispatcherHost <connection string> <tracking endpoint> <lease ms> <poll ms>");
    return 2;
}

var connectionString = args[0];
var lease = Milliseconds(args[2]);
var poll = Milliseconds(args[3]);
var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
builder.Services.AddKissTracking(kiss => kiss
    .UseApiKey(OutboxShop.ApiKey)
    .UseEndpoint(new Uri(args[1]))
    .MapCustomers()
    .Configure(o => Compete(o, lease, poll)));
builder.Services.AddDbContext<OutboxShopContext>((sp, db) => db.UseNpgsql(connectionString).UseKissTracking(sp));
return await RunUntilStdinClosesAsync(builder);

static async Task<int> ServeAsync(string connectionString, Uri endpoint, TimeSpan poll)
{
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
    builder.Services.AddKissTracking(kiss => kiss
        .UseApiKey(OutboxShop.ApiKey)
        .UseEndpoint(endpoint)
        .MapCustomers()
        .Configure(o =>
        {
            o.PollInterval = poll;
            o.ShutdownTimeout = TimeSpan.FromSeconds(5);
        }));
    builder.Services.AddDbContext<OutboxShopContext>((sp, db) =>
        (connectionString.StartsWith("Host=", StringComparison.Ordinal) ? db.UseNpgsql(connectionString) : db.UseSqlite(connectionString))
        .UseKissTracking(sp));
    using var host = builder.Build();
    await host.StartAsync();
    Console.WriteLine($"STARTED {Environment.ProcessId}");

    // A closed stdin means the test that started us is gone: stop rather than linger.
    var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
    _ = Task.Run(async () =>
    {
        await Console.In.ReadToEndAsync();
        lifetime.StopApplication();
    });
    await host.WaitForShutdownAsync();
    Console.WriteLine("STOPPED");
    return 0;
}

static TimeSpan Milliseconds(string text) => TimeSpan.FromMilliseconds(int.Parse(text, CultureInfo.InvariantCulture));

static async Task<int> TenantsAsync(Uri endpoint, TimeSpan lease, TimeSpan poll, string[] tenants)
{
    var store = new TenantStore();
    foreach (var tenant in tenants)
    {
        var split = tenant.IndexOf('=', StringComparison.Ordinal);
        store.Add(tenant[..split], tenant[(split + 1)..]);
    }

    var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
    builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
    builder.Services.AddTenantShop<TenantShopContext>(store, endpoint, o => Compete(o, lease, poll));
    return await RunUntilStdinClosesAsync(builder);
}

// Short leases and retries, 2 rows a claim: instances keep competing for rows.
static void Compete(KissTrackingOptions o, TimeSpan lease, TimeSpan poll)
{
    o.LeaseDuration = lease;
    o.PollInterval = poll;
    o.ClaimBatchSize = 2;
    o.RetryBaseDelay = TimeSpan.FromMilliseconds(50);
    o.MaxRetryDelay = TimeSpan.FromMilliseconds(500);
    o.ShutdownTimeout = TimeSpan.FromSeconds(5);
}

static async Task<int> RunUntilStdinClosesAsync(HostApplicationBuilder builder)
{
    using var host = builder.Build();
    await host.StartAsync();
    Console.WriteLine($"STARTED {Environment.ProcessId}");

    // Until the test closes our stdin (or dies, which closes it too).
    await Console.In.ReadToEndAsync();
    await host.StopAsync();
    return 0;
}
