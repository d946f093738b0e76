using KissEf.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Support;

/// <summary>
/// Issue 18, item 2: an <c>ExecuteUpdate</c>/<c>ExecuteDelete</c> bypasses the change tracker, so it makes no call; when
/// the maps of its entity type would have made some, KissEf says so (warning 1006, once per query shape), throws before
/// the statement runs, or says nothing, per <c>UntrackedBulkOperations</c>. The tests of one database, through EF's own
/// provider: <c>KissEf.FunctionalTests</c> runs them on SQLite files, <c>KissEf.PostgreSql.Tests</c> on the private
/// PostgreSQL server.
/// </summary>
/// <remarks>
/// EF caches a compiled query shape in the internal service provider, which hosts of one options shape share: each test
/// uses shapes of its own (their constants differ), so that its host compiles them.
/// </remarks>
public abstract class UntrackedBulkOperationTests : IDisposable
{
    private readonly SqliteDatabase _database = new();

    protected abstract Provider Provider { get; }

    [Fact]
    public async Task An_ExecuteUpdate_of_a_mapped_entity_is_warned_about_once_per_query_shape_and_its_result_is_unchanged()
    {
        await using var app = await App.StartAsync(await DatabaseAsync(), KissBulkOperationPolicy.Warn);
        await app.AddAsync("a1", "a2");

        var first = await app.RunAsync(db => db.Customers.Where(c => c.Score >= 0).ExecuteUpdateAsync(s => s.SetProperty(c => c.Score, 11)));
        var again = await app.RunAsync(db => db.Customers.Where(c => c.Score >= 0).ExecuteUpdateAsync(s => s.SetProperty(c => c.Score, 11)));

        Assert.Equal(2, first);
        Assert.Equal(2, again);
        var warning = Assert.Single(app.Logs.WithEventId(KissEfEventId.UntrackedBulkOperation));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal(nameof(KissEfEventId.UntrackedBulkOperation), warning.EventId.Name);
        Assert.Equal("KissEf", warning.Category);
        Assert.Contains("ExecuteUpdate of OutboxCustomer", warning.Message, StringComparison.Ordinal);
        Assert.Contains("OnModified/OnChanged", warning.Message, StringComparison.Ordinal);
        Assert.Contains("ExecuteUpdateTracked(Async)", warning.Message, StringComparison.Ordinal);
        Assert.Equal([11, 11], await app.ScoresAsync());

        // Another shape is another warning.
        await app.RunAsync(db => Task.FromResult(db.Customers.Where(c => c.Score >= 1).ExecuteUpdate(s => s.SetProperty(c => c.Score, 12))));
        Assert.Equal(2, app.Logs.WithEventId(KissEfEventId.UntrackedBulkOperation).Count);
    }

    [Fact]
    public async Task An_ExecuteDelete_of_an_entity_with_OnDeleted_is_warned_about_once_per_query_shape()
    {
        await using var app = await App.StartAsync(await DatabaseAsync(), KissBulkOperationPolicy.Warn, onDeleted: true);
        await app.AddAsync("d1", "d2", "d3");

        // One shape run twice, with another parameter value.
        foreach (var key in (string[])["d1", "d2"])
        {
            var email = OutboxTestHost.EmailOf(key);
            Assert.Equal(1, await app.RunAsync(db => db.Customers.Where(c => c.Email == email).ExecuteDeleteAsync()));
        }

        var warning = Assert.Single(app.Logs.WithEventId(KissEfEventId.UntrackedBulkOperation));
        Assert.Contains("ExecuteDelete of OutboxCustomer", warning.Message, StringComparison.Ordinal);
        Assert.Contains("OnDeleted", warning.Message, StringComparison.Ordinal);
        Assert.Contains("ExecuteDeleteTracked(Async)", warning.Message, StringComparison.Ordinal);

        await app.RunAsync(db => db.Customers.Where(c => c.Id > 0).ExecuteDeleteAsync());
        Assert.Equal(2, app.Logs.WithEventId(KissEfEventId.UntrackedBulkOperation).Count);
    }

    [Fact]
    public async Task A_bulk_operation_whose_maps_would_not_fire_or_of_an_unmapped_type_is_not_warned_about()
    {
        await using var app = await App.StartAsync(await DatabaseAsync(), KissBulkOperationPolicy.Warn);
        await app.AddAsync("n1");

        // The customers' map has no OnDeleted, and no map tracks notes.
        Assert.Equal(1, await app.RunAsync(db => db.Customers.Where(c => c.Id > -1).ExecuteDeleteAsync()));
        await app.RunAsync(db => db.Notes.Where(n => n.Id > 2).ExecuteUpdateAsync(s => s.SetProperty(n => n.Text, "x")));
        await app.RunAsync(db => db.Notes.Where(n => n.Id > 3).ExecuteDeleteAsync());

        Assert.Empty(app.Logs.WithEventId(KissEfEventId.UntrackedBulkOperation));
    }

    [Fact]
    public async Task Throw_refuses_the_statement_before_any_row_changes()
    {
        await using var app = await App.StartAsync(await DatabaseAsync(), KissBulkOperationPolicy.Throw, onDeleted: true);
        await app.AddAsync("t1", "t2");

        var update = await Assert.ThrowsAsync<InvalidOperationException>(
            () => app.RunAsync(db => db.Customers.Where(c => c.Score >= 4).ExecuteUpdateAsync(s => s.SetProperty(c => c.Score, 13))));
        var delete = await Assert.ThrowsAsync<InvalidOperationException>(
            () => app.RunAsync(db => db.Customers.Where(c => c.Id > 4).ExecuteDeleteAsync()));

        Assert.Contains("ExecuteUpdateTracked(Async)", update.Message, StringComparison.Ordinal);
        Assert.Contains("ExecuteDeleteTracked(Async)", delete.Message, StringComparison.Ordinal);
        Assert.Equal([0, 0], await app.ScoresAsync());
        Assert.Empty(app.Logs.WithEventId(KissEfEventId.UntrackedBulkOperation));
    }

    [Fact]
    public async Task Ignore_logs_nothing_and_the_statement_runs()
    {
        await using var app = await App.StartAsync(await DatabaseAsync(), KissBulkOperationPolicy.Ignore, onDeleted: true);
        await app.AddAsync("i1");

        Assert.Equal(1, await app.RunAsync(db => db.Customers.Where(c => c.Score > -6).ExecuteUpdateAsync(s => s.SetProperty(c => c.Score, 14))));
        Assert.Equal(1, await app.RunAsync(db => db.Customers.Where(c => c.Id > -5).ExecuteDeleteAsync()));

        Assert.Empty(app.Logs.WithEventId(KissEfEventId.UntrackedBulkOperation));
    }

    [Fact]
    public async Task An_undefined_policy_fails_the_start()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => App.StartAsync(_database.ConnectionString, (KissBulkOperationPolicy)7));

        Assert.Contains(nameof(KissTrackingOptions.UntrackedBulkOperations), error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _database.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A new database of <see cref="Provider"/>: this test's SQLite file, or a PostgreSQL database of its own.</summary>
    private Task<string> DatabaseAsync() => Providers.CreateDatabaseAsync(Provider, _database);

    /// <summary>An entity no map tracks.</summary>
    public sealed class BulkNote
    {
        public int Id { get; set; }

        public string Text { get; set; } = string.Empty;
    }

    /// <summary>The customers (mapped) and notes (not), tracked by KissEf; a context type of this test's own.</summary>
    public sealed class BulkShopContext(DbContextOptions<BulkShopContext> options) : DbContext(options)
    {
        public DbSet<OutboxCustomer> Customers => Set<OutboxCustomer>();

        public DbSet<BulkNote> Notes => Set<BulkNote>();

        protected override void OnModelCreating(ModelBuilder modelBuilder)
        {
            OutboxShop.ConfigureModel(modelBuilder);
            modelBuilder.Entity<BulkNote>().ToTable("notes");
        }
    }

    /// <summary>A host tracking <see cref="BulkShopContext"/> with the given policy (a dry run: no call leaves it).</summary>
    private sealed class App(TestHostCore core, TestLogCollector logs) : IAsyncDisposable
    {
        public TestLogCollector Logs { get; } = logs;

        public static async Task<App> StartAsync(string connectionString, KissBulkOperationPolicy policy, bool onDeleted = false)
        {
            var logs = new TestLogCollector();
            var builder = TestHostCore.CreateBuilder(logs, LogLevel.Warning, shutdownTimeout: TimeSpan.FromSeconds(15));
            builder.Services.AddKissTracking(kiss => kiss
                .UseDryRun()
                .Entity<OutboxCustomer>(c =>
                {
                    c.HasIdentity(x => x.Email);
                    c.OnChanged(x => x.Score).Record(OutboxShop.Scored).With("score", x => x.Score);
                    if (onDeleted)
                    {
                        c.OnDeleted().Record("Left");
                    }
                })
                .Configure(o => o.UntrackedBulkOperations = policy));
            builder.Services.AddDbContext<BulkShopContext>((sp, db) => db.Use(Providers.Of(connectionString), connectionString).UseKissTracking(sp));
            var app = new App(new TestHostCore(builder.Build()), logs);
            await app.RunAsync(db => db.Database.EnsureCreatedAsync());
            await app.StartHostAsync();
            return app;
        }

        public Task StartHostAsync() => core.StartAsync();

        public async Task<T> RunAsync<T>(Func<BulkShopContext, Task<T>> work)
        {
            using var scope = core.Services.CreateScope();
            return await work(scope.ServiceProvider.GetRequiredService<BulkShopContext>());
        }

        public Task<int> AddAsync(params string[] keys)
            => RunAsync(db =>
            {
                db.Customers.AddRange(keys.Select(OutboxTestHost.Customer));
                return db.SaveChangesAsync();
            });

        public Task<List<int>> ScoresAsync()
            => RunAsync(db => db.Customers.AsNoTracking().OrderBy(c => c.Id).Select(c => c.Score).ToListAsync());

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
