using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Outbox;

/// <summary>
/// Issue 19, <c>kissef status</c> "per context type": <see cref="KissOutboxState.Contexts"/> holds each context type's
/// outbox table by the type's name (the full name when two share it), beside the totals, and the health check's data
/// carries it. The host is not started: the rows stay as written.
/// </summary>
public sealed class OutboxContextStateTests : IDisposable
{
    private readonly SqliteDatabase _shop = new();
    private readonly SqliteDatabase _notes = new();

    [Fact]
    public async Task Each_context_types_table_has_its_own_figures_and_the_totals_add_them_up()
    {
        using var host = Build<OutboxShopContext, NotesContext>();
        await SaveAsync(host, db => db.Customers.AddRange(OutboxTestHost.Customer("ctx-1"), OutboxTestHost.Customer("ctx-2")));
        await SaveAsync<NotesContext>(host, db => db.Notes.Add(new Note { Author = "ann@notes.test" }));
        var hourAgo = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        Execute(_notes, $"""
            UPDATE kiss_outbox SET created_at = {hourAgo};
            INSERT INTO kiss_outbox (calls, call_count, created_at, attempts, next_attempt_at, lease_expires_at, last_error, dead_at)
            VALUES ('c', 3, 1, 1, 1, 0, 'HTTP 400 (BadRequest)', 1700000000000);
            """);

        var state = await host.Services.GetRequiredService<IKissOutbox>().GetStateAsync();

        var contexts = state.Contexts!;
        Assert.Equal(["NotesContext", "OutboxShopContext"], contexts.Keys.Order(StringComparer.Ordinal));
        var shop = contexts["OutboxShopContext"];
        var notes = contexts["NotesContext"];
        Assert.Equal((1, 2, 0, 0), (shop.PendingRows, shop.PendingCalls, shop.DeadRows, shop.DeadCalls));
        Assert.Equal((1, 1, 1, 3), (notes.PendingRows, notes.PendingCalls, notes.DeadRows, notes.DeadCalls));
        Assert.InRange(notes.OldestPendingAge!.Value, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(70));
        Assert.True(shop.OldestPendingAge < TimeSpan.FromMinutes(5));
        Assert.Equal((2, 3, 1, 3, notes.OldestPendingAge), (state.PendingRows, state.PendingCalls, state.DeadRows, state.DeadCalls, state.OldestPendingAge));
        Assert.All(contexts.Values, c => Assert.Null(c.Contexts));
        Assert.Null(state.Tenants);

        // The health check's data carries the same breakdown.
        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        var data = Assert.IsAssignableFrom<IReadOnlyDictionary<string, KissOutboxState>>(health.Entries["kissef"].Data["Contexts"]);
        Assert.Equal((1, 1, 1, 3), (data["NotesContext"].PendingRows, data["NotesContext"].PendingCalls, data["NotesContext"].DeadRows, data["NotesContext"].DeadCalls));
    }

    [Fact]
    public async Task Two_context_types_of_one_name_are_both_named_by_their_full_names()
    {
        using var host = Build<First.SameContext, Second.SameContext>();
        await SaveAsync<First.SameContext>(host, db => db.Notes.Add(new Note { Author = "ann@notes.test" }));

        var state = await host.Services.GetRequiredService<IKissOutbox>().GetStateAsync();

        Assert.Equal(
            [typeof(First.SameContext).FullName, typeof(Second.SameContext).FullName],
            state.Contexts!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(1, state.Contexts[typeof(First.SameContext).FullName!].PendingCalls);
        Assert.Equal(0, state.Contexts[typeof(Second.SameContext).FullName!].PendingCalls);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _shop.Dispose();
        _notes.Dispose();
    }

    /// <summary>A host (not started) with <typeparamref name="TA"/> on one file and <typeparamref name="TB"/> on another, both created.</summary>
    private TestHostCore Build<TA, TB>()
        where TA : DbContext
        where TB : DbContext
    {
        var builder = TestHostCore.CreateBuilder(new TestLogCollector(), LogLevel.Warning, shutdownTimeout: TimeSpan.FromSeconds(15));
        builder.Services.AddKissTracking(kiss => kiss.UseApiKey(OutboxShop.ApiKey).MapCustomers().Entity<Note>(n =>
        {
            n.HasIdentity(x => x.Author);
            n.OnAdded().Record("Wrote Note");
        }));
        builder.Services.AddDbContext<TA>((sp, db) => db.UseSqlite(_shop.ConnectionString).UseKissTracking(sp));
        builder.Services.AddDbContext<TB>((sp, db) => db.UseSqlite(_notes.ConnectionString).UseKissTracking(sp));
        builder.Services.AddHealthChecks().AddKissTracking();
        var host = new TestHostCore(builder.Build());
        using var scope = host.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<TA>().Database.EnsureCreated();
        scope.ServiceProvider.GetRequiredService<TB>().Database.EnsureCreated();
        return host;
    }

    private static Task SaveAsync(TestHostCore host, Action<OutboxShopContext> change) => SaveAsync<OutboxShopContext>(host, change);

    private static async Task SaveAsync<TContext>(TestHostCore host, Action<TContext> change)
        where TContext : DbContext
    {
        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        change(db);
        await db.SaveChangesAsync();
    }

    private static void Execute(SqliteDatabase database, string sql)
    {
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>The entity of the second context type.</summary>
    public sealed class Note
    {
        public int Id { get; set; }

        public string Author { get; set; } = string.Empty;
    }

    /// <summary>A second context type with an outbox table of its own (in its own database).</summary>
    public sealed class NotesContext(DbContextOptions<NotesContext> options) : DbContext(options)
    {
        public DbSet<Note> Notes => Set<Note>();
    }

    /// <summary>Holds a context type named as <see cref="Second.SameContext"/> is.</summary>
    public static class First
    {
        public sealed class SameContext(DbContextOptions<SameContext> options) : DbContext(options)
        {
            public DbSet<Note> Notes => Set<Note>();
        }
    }

    /// <summary>Holds a context type named as <see cref="First.SameContext"/> is.</summary>
    public static class Second
    {
        public sealed class SameContext(DbContextOptions<SameContext> options) : DbContext(options)
        {
            public DbSet<Note> Notes => Set<Note>();
        }
    }
}
