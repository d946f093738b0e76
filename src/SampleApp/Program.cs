using KissEf;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SampleApp;

var builder = Host.CreateApplicationBuilder(args);

// One line per log entry; EF's own messages (the SQL) and the host's start-up notes only when they matter.
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);

var connectionString = builder.Configuration.GetConnectionString("Shop") ?? "Data Source=kissef-sample.db";

// SQLite by default; `--Database:Provider PostgreSQL` with a Npgsql connection string in `ConnectionStrings:Shop` runs the
// same app (and its `kissef` commands) on PostgreSQL.
var database = ShopDatabase.From(builder.Configuration["Database:Provider"], connectionString);
var apiKey = builder.Configuration["KissMetrics:ApiKey"];
var endpoint = builder.Configuration["KissMetrics:Endpoint"];
var dryRun = string.IsNullOrWhiteSpace(apiKey);
if (!dryRun)
{
    // Sending for real: KissEf logs each delivered call at Debug.
    builder.Logging.AddFilter("KissEf", LogLevel.Debug);
}

builder.Services.AddKissTracking(kiss =>
{
    if (dryRun)
    {
        // No key: send nothing, log each URL that would be sent (with _k redacted).
        kiss.UseDryRun();
    }
    else
    {
        kiss.UseApiKey(apiKey!);
    }

    if (!string.IsNullOrWhiteSpace(endpoint))
    {
        kiss.UseEndpoint(new Uri(endpoint));
    }

    // One call at a time, so that the calls print in the order of the changes (the default sends 4 at once).
    kiss.Configure(o => o.MaxConcurrency = 1);

    // `kissef backfill` writes at most this many calls a second into the outbox (KissEf's default: 200).
    if (builder.Configuration.GetValue<int?>("KissMetrics:BackfillCallsPerSecond") is { } backfillRate)
    {
        kiss.Configure(o => o.BackfillCallsPerSecond = backfillRate);
    }

    kiss.ApplyConfigurationsFromAssembly(typeof(Program).Assembly);
});
builder.Services.AddDbContext<ShopContext>((sp, db) => database.Use(db).UseKissTracking(sp));
builder.Services.AddTransient<ShopScenario>();
builder.Services.AddScoped<SupportAgent>();
builder.Services.AddTransient<ShopBackfill>();

using var host = builder.Build();

if (args is not ["kissef", ..])
{
    // The shop's scenario: a script that starts the host, runs and stops, not an app that runs until Ctrl+C. It stays
    // as it was; only `kissef …` goes to the commands below.
    using (var scope = host.Services.CreateScope())
    {
        // A new database on every run, so that every run prints the same calls.
        var db = scope.ServiceProvider.GetRequiredService<ShopContext>();
        await db.Database.EnsureDeletedAsync();
        await db.Database.EnsureCreatedAsync();
    }

    await host.StartAsync();

    if (args.Length > 0 && args[0] == "backfill")
    {
        // The shop's history from before KissEf, replayed into the vendor's JSON import file.
        var exitCode = await host.Services.GetRequiredService<ShopBackfill>().RunAsync(args, database);
        await host.StopAsync();
        return exitCode;
    }

    var scenario = host.Services.GetRequiredService<ShopScenario>();
    await scenario.RunAsync();

    // A short-lived process waits for its committed calls before it exits.
    await host.Services.GetRequiredService<IKissDispatcher>().FlushAsync();

    // The outbox (issue 3): what is still pending or dead in the kiss_outbox table.
    await scenario.ReportOutboxAsync();

    await host.StopAsync();
    return 0;
}

// Operations (issue 19): `dotnet run -- kissef status` reads this app's outbox with its configuration and services,
// without starting it (no dispatcher) and without the scenario's new database.
#region kiss-commands
return await host.RunWithKissCommandsAsync(args);
#endregion
