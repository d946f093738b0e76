using KissEf.Tests.Infrastructure;
using KissEf.Tests.Postgres;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Outbox;

/// <summary>
/// Issue 15, item 1: the outbox table belongs to the user's model only. EF builds a model of its own for the
/// migrations history table; the outbox in that model made <c>Database.Migrate()</c> (and <c>dotnet ef database
/// update</c>) create <c>kiss_outbox</c> with the history table and then fail on the migration that creates it.
/// </summary>
[Collection(PostgresGroup.Name)]
public sealed class OutboxMigrationsHistoryTests(PostgresServer postgres)
{
    [Theory]
    [InlineData("sqlite", null, null)]
    [InlineData("sqlite", "shop", null)]
    [InlineData("postgres", null, null)]
    [InlineData("postgres", "shop", null)]
    [InlineData("postgres", "shop", "tracking")]
    public void The_history_tables_create_script_holds_no_outbox_table_and_the_users_model_holds_one(string provider, string? defaultSchema, string? outboxSchema)
    {
        // No connection is opened: a connection string is enough to build both models.
        var connection = provider == "sqlite" ? "Data Source=unused.db" : "Host=127.0.0.1;Database=unused;Username=postgres";
        using var services = Build(provider, connection, defaultSchema, outboxSchema);
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<HistoryShopContext>();

        var history = db.GetService<IHistoryRepository>().GetCreateScript();
        Assert.Contains("__EFMigrationsHistory", history, StringComparison.Ordinal);
        Assert.DoesNotContain("kiss_outbox", history, StringComparison.Ordinal);

        var model = db.GetService<IDesignTimeModel>().Model;
        var outbox = Assert.Single(model.GetEntityTypes(), e => e.ClrType.FullName == "KissEf.Outbox.KissOutboxMessage");
        Assert.Equal("KissEf.Outbox.KissOutboxMessage", outbox.Name);
        Assert.Equal("kiss_outbox", outbox.GetTableName());
        Assert.Equal(outboxSchema ?? defaultSchema, outbox.GetSchema());
        Assert.Single(model.GetRelationalModel().Tables, t => t.Name == "kiss_outbox");
    }

    [Fact]
    public void Migrate_on_a_new_SQLite_database_with_no_migrations_creates_the_history_table_alone()
    {
        using var database = new SqliteDatabase();
        using var services = Build("sqlite", database.ConnectionString, defaultSchema: null, outboxSchema: null);
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<HistoryShopContext>();

        // This context has no migrations: Migrate() makes the history table and nothing of the model.
        db.Database.Migrate();

        var tables = db.Database.SqlQueryRaw<string>("SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").ToList();
        Assert.DoesNotContain("kiss_outbox", tables);
        Assert.Contains("__EFMigrationsHistory", tables);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("shop")]
    public void Migrate_on_a_new_PostgreSQL_database_with_no_migrations_creates_the_history_table_alone(string? defaultSchema)
    {
        using var services = Build("postgres", postgres.CreateDatabase(), defaultSchema, outboxSchema: null);
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<HistoryShopContext>();

        db.Database.Migrate();

        var tables = db.Database
            .SqlQueryRaw<string>("SELECT table_schema || '.' || table_name AS \"Value\" FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")
            .ToList();
        Assert.DoesNotContain(tables, t => t.EndsWith(".kiss_outbox", StringComparison.Ordinal));
        Assert.Contains(tables, t => t.EndsWith(".__EFMigrationsHistory", StringComparison.Ordinal));
    }

    private static ServiceProvider Build(string provider, string connection, string? defaultSchema, string? outboxSchema)
    {
        var services = new ServiceCollection();
        services.AddKissTracking(kiss =>
        {
            kiss.UseApiKey("history-test-key").Entity<HistoryShopper>(s =>
            {
                s.HasIdentity(x => x.Email);
                s.OnAdded().Record("Signed Up");
            });
            kiss.Configure(o => o.OutboxSchema = outboxSchema);
        });
        services.AddSingleton(new HistoryShopSchema(defaultSchema));
        services.AddDbContext<HistoryShopContext>((sp, db) =>
        {
            _ = provider == "sqlite" ? db.UseSqlite(connection) : db.UseNpgsql(connection);

            // The model depends on the default schema: one model per schema, not EF's one per context type.
            db.ReplaceService<IModelCacheKeyFactory, HistoryShopModelKeys>();
            db.UseKissTracking(sp);
        });
        return services.BuildServiceProvider();
    }

    public sealed class HistoryShopper
    {
        public int Id { get; set; }

        public string Email { get; set; } = string.Empty;
    }

    public sealed record HistoryShopSchema(string? Name);

    public sealed class HistoryShopContext(DbContextOptions<HistoryShopContext> options, HistoryShopSchema schema) : DbContext(options)
    {
        public string? Schema { get; } = schema.Name;

        public DbSet<HistoryShopper> Shoppers => Set<HistoryShopper>();

        protected override void OnModelCreating(ModelBuilder modelBuilder)
        {
            if (Schema is not null)
            {
                modelBuilder.HasDefaultSchema(Schema);
            }
        }
    }

    public sealed class HistoryShopModelKeys : IModelCacheKeyFactory
    {
        public object Create(DbContext context, bool designTime)
            => (context.GetType(), ((HistoryShopContext)context).Schema, designTime);
    }
}
