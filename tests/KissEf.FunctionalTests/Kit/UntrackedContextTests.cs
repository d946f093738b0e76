using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Kit;

/// <summary>
/// Issue 15, item 5: maps registered and a context that saves entities of mapped types without <c>UseKissTracking</c>
/// say so: warning 1007 at the first save of that context type (once per type), naming the context, the entity type
/// and the fix, and the health check turns Degraded. Real SQLite contexts registered with <c>AddDbContext</c>.
/// </summary>
public sealed class UntrackedContextTests : IDisposable
{
    private readonly SqliteDatabase _database = new();

    [Fact]
    public async Task A_context_saving_mapped_entities_without_UseKissTracking_is_warned_about_once_naming_the_fix()
    {
        await using var app = await App.StartAsync(_database);

        // Two saves in two scopes (sync and async): one warning for the context type.
        await app.SaveUntrackedAsync("u1", async: false);
        await app.SaveUntrackedAsync("u2", async: true);

        var warning = Assert.Single(app.Logs.WithEventId(KissEfEventId.ContextNotTracked));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal(nameof(KissEfEventId.ContextNotTracked), warning.EventId.Name);
        Assert.Equal("KissEf", warning.Category);
        Assert.Contains(nameof(OutboxPlainShopContext), warning.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(OutboxCustomer), warning.Message, StringComparison.Ordinal);
        Assert.Contains("UseKissTracking(sp)", warning.Message, StringComparison.Ordinal);
        Assert.Contains($"AddDbContext<{nameof(OutboxPlainShopContext)}>", warning.Message, StringComparison.Ordinal);

        // The saves themselves went through, untracked.
        Assert.Equal(2, OutboxRows.CountCustomers(_database));
        Assert.Empty(app.Recorder.Calls);
    }

    [Fact]
    public async Task The_health_check_turns_Degraded_and_names_the_untracked_context()
    {
        await using var app = await App.StartAsync(_database);
        var before = await app.CheckAsync();
        Assert.Equal(HealthStatus.Healthy, before.Status);

        await app.SaveUntrackedAsync("h1", async: true);

        var after = await app.CheckAsync();
        Assert.Equal(HealthStatus.Degraded, after.Status);
        Assert.Equal(nameof(OutboxPlainShopContext), after.Data["UntrackedContexts"]);
        Assert.Contains("UseKissTracking", after.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tracked_context_and_a_context_of_unmapped_types_are_not_warned_about()
    {
        await using var app = await App.StartAsync(_database);

        await app.WithScopeAsync<OutboxShopContext>(async db =>
        {
            db.Customers.Add(OutboxTestHost.Customer("t1"));
            await db.SaveChangesAsync();
        });
        await app.WithScopeAsync<NotesContext>(async db =>
        {
            await db.Database.ExecuteSqlRawAsync("CREATE TABLE IF NOT EXISTS notes (Id INTEGER PRIMARY KEY, Text TEXT NOT NULL)");
            db.Notes.Add(new Note { Text = "not tracked, and nothing to track" });
            await db.SaveChangesAsync();
        });

        Assert.Empty(app.Logs.WithEventId(KissEfEventId.ContextNotTracked));
        Assert.Single(app.Recorder.Calls);
        Assert.Equal(HealthStatus.Healthy, (await app.CheckAsync()).Status);
    }

    [Fact]
    public async Task Another_hosts_untracked_context_is_reported_by_that_host_only()
    {
        using var other = new SqliteDatabase();
        await using var quiet = await App.StartAsync(_database);
        await using var noisy = await App.StartAsync(other);

        await noisy.SaveUntrackedAsync("n1", async: true);
        await quiet.SaveUntrackedAsync("q1", async: true);

        // Each host judges its own contexts: one warning each, the first of each in its own log.
        Assert.Single(noisy.Logs.WithEventId(KissEfEventId.ContextNotTracked));
        Assert.Single(quiet.Logs.WithEventId(KissEfEventId.ContextNotTracked));
    }

    public void Dispose() => _database.Dispose();

    /// <summary>An entity no map tracks.</summary>
    public sealed class Note
    {
        public int Id { get; set; }

        public string Text { get; set; } = string.Empty;
    }

    /// <summary>A context of unmapped types only, registered without UseKissTracking.</summary>
    public sealed class NotesContext(DbContextOptions<NotesContext> options) : DbContext(options)
    {
        public DbSet<Note> Notes => Set<Note>();

        protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.Entity<Note>().ToTable("notes");
    }

    /// <summary>
    /// A host that tracks <see cref="OutboxShopContext"/> with the recorder (no table, no network) and also registers
    /// <see cref="OutboxPlainShopContext"/> (the same customers, mapped) and <see cref="NotesContext"/> without
    /// <c>UseKissTracking</c>, as an application that forgot it on one context would.
    /// </summary>
    private sealed class App(TestHostCore core, TestLogCollector logs) : IAsyncDisposable
    {
        public TestLogCollector Logs { get; } = logs;

        public KissEf.Testing.KissRecorder Recorder => core.Services.GetRequiredService<KissEf.Testing.KissRecorder>();

        public static async Task<App> StartAsync(SqliteDatabase database)
        {
            var logs = new TestLogCollector();
            var builder = TestHostCore.CreateBuilder(logs, LogLevel.Warning, shutdownTimeout: TimeSpan.FromSeconds(15));
            builder.Services.AddKissTracking(kiss => kiss.UseRecorder().MapCustomers());
            builder.Services.AddDbContext<OutboxShopContext>((sp, db) => db.UseSqlite(database.ConnectionString).UseKissTracking(sp));
            builder.Services.AddDbContext<OutboxPlainShopContext>(db => db.UseSqlite(database.ConnectionString));
            builder.Services.AddDbContext<NotesContext>(db => db.UseSqlite(database.ConnectionString));
            builder.Services.AddHealthChecks().AddKissTracking();
            var app = new App(new TestHostCore(builder.Build()), logs);
            await app.WithScopeAsync<OutboxPlainShopContext>(db => db.Database.EnsureCreatedAsync());
            await app.StartHostAsync();
            return app;
        }

        public Task StartHostAsync() => core.StartAsync();

        public async Task WithScopeAsync<TContext>(Func<TContext, Task> work)
            where TContext : DbContext
        {
            using var scope = core.Services.CreateScope();
            await work(scope.ServiceProvider.GetRequiredService<TContext>());
        }

        public Task SaveUntrackedAsync(string key, bool async)
            => WithScopeAsync<OutboxPlainShopContext>(async db =>
            {
                db.Customers.Add(OutboxTestHost.Customer(key));
                if (async)
                {
                    await db.SaveChangesAsync();
                }
                else
                {
                    db.SaveChanges();
                }
            });

        /// <summary>Runs every registered check, as an /health endpoint would, and returns KissEf's entry.</summary>
        public async Task<HealthReportEntry> CheckAsync()
            => (await core.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["kissef"];

        public async ValueTask DisposeAsync()
        {
            try
            {
                await core.StopAsync();
            }
            finally
            {
                core.Dispose();
            }
        }
    }
}
