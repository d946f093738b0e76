using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Outbox;

/// <summary>
/// The outbox entity's place in users' migrations never moves: its EF type name
/// (<c>KissEf.Outbox.KissOutboxMessage</c>), table, columns and index are what model snapshots written by
/// earlier versions of KissEf hold (Snapshots/, written by <c>dotnet ef</c> before issue 15), so a new version adds
/// no migration of its own. <c>HasPendingModelChanges</c> is EF's own comparison of a snapshot with the model.
/// </summary>
public sealed class OutboxSnapshotTests
{
    [Fact]
    public void A_SQLite_model_matches_the_snapshot_written_by_an_earlier_KissEf()
    {
        using var services = Services(s => s.AddDbContext<SqliteSnapshotContext>((sp, db) => db.UseSqlite("Data Source=unused.db").UseKissTracking(sp)));
        using var scope = services.CreateScope();

        Assert.False(scope.ServiceProvider.GetRequiredService<SqliteSnapshotContext>().Database.HasPendingModelChanges());
    }

    [Fact]
    public void A_PostgreSQL_model_with_a_default_schema_matches_the_snapshot_written_by_an_earlier_KissEf()
    {
        using var services = Services(s => s.AddDbContext<PostgresSnapshotContext>((sp, db) => db.UseNpgsql("Host=127.0.0.1;Database=unused;Username=postgres").UseKissTracking(sp)));
        using var scope = services.CreateScope();

        Assert.False(scope.ServiceProvider.GetRequiredService<PostgresSnapshotContext>().Database.HasPendingModelChanges());
    }

    private static ServiceProvider Services(Action<IServiceCollection> contexts)
    {
        // As when the snapshots were written (the scratch app's code, word for word where it shapes the model).
        var services = new ServiceCollection();
        services.AddKissTracking(kiss => kiss.UseApiKey("snapshot-key").Entity<SnapshotShopper>(s =>
        {
            s.HasIdentity(x => x.Email);
            s.OnAdded().Record("Signed Up");
        }));
        contexts(services);
        return services.BuildServiceProvider();
    }

    public sealed class SnapshotShopper
    {
        public int Id { get; set; }

        public string Email { get; set; } = string.Empty;
    }

    public sealed class SqliteSnapshotContext(DbContextOptions<SqliteSnapshotContext> options) : DbContext(options)
    {
        public DbSet<SnapshotShopper> Shoppers => Set<SnapshotShopper>();
    }

    public sealed class PostgresSnapshotContext(DbContextOptions<PostgresSnapshotContext> options) : DbContext(options)
    {
        public DbSet<SnapshotShopper> Shoppers => Set<SnapshotShopper>();

        protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.HasDefaultSchema("shop");
    }
}
