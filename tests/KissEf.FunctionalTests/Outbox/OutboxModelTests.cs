using KissEf.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Outbox;

/// <summary>The outbox table joins the user's model by itself, so EnsureCreated and migrations pick it up.</summary>
public sealed class OutboxModelTests
{
    [Fact]
    public void Migrations_see_the_outbox_table_with_no_user_code()
    {
        using var database = new SqliteDatabase();
        using var services = Build(database, kiss => { });
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ModelShopContext>();

        // What `dotnet ef migrations add` computes: the difference from an empty database.
        var differ = db.GetService<IMigrationsModelDiffer>();
        var model = db.GetService<IDesignTimeModel>().Model.GetRelationalModel();
        var tables = differ.GetDifferences(null, model).OfType<CreateTableOperation>().ToList();

        var outbox = Assert.Single(tables, t => t.Name == "kiss_outbox");
        Assert.Equal(
            ["attempts", "call_count", "calls", "created_at", "dead_at", "id", "last_error", "lease_expires_at", "lease_owner", "next_attempt_at"],
            outbox.Columns.Select(c => c.Name).Order(StringComparer.Ordinal));
        Assert.Contains(tables, t => t.Name == "Shoppers");
    }

    [Fact]
    public void The_table_name_is_configurable_and_EnsureCreated_creates_it()
    {
        using var database = new SqliteDatabase();
        using var services = Build(database, kiss => kiss.Configure(o => o.OutboxTable = "tracking_calls"));
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ModelShopContext>();

        Assert.Contains("CREATE TABLE \"tracking_calls\"", db.Database.GenerateCreateScript(), StringComparison.Ordinal);
        db.Database.EnsureCreated();
        db.Add(new ModelShopper { Email = "a@example.com" });
        db.SaveChanges();

        var rows = db.Database.SqlQueryRaw<long>("SELECT COUNT(*) AS \"Value\" FROM tracking_calls").Single();
        Assert.Equal(1, rows);
    }

    [Fact]
    public void Direct_delivery_adds_no_table()
    {
        using var database = new SqliteDatabase();
        using var services = Build(database, kiss => kiss.UseDirectDelivery());
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ModelShopContext>();

        Assert.DoesNotContain("kiss_outbox", db.Database.GenerateCreateScript(), StringComparison.Ordinal);
    }

    private static ServiceProvider Build(SqliteDatabase database, Action<KissTrackingBuilder> configure)
    {
        var services = new ServiceCollection();
        services.AddKissTracking(kiss =>
        {
            kiss.UseApiKey("model-test-key").Entity<ModelShopper>(s =>
            {
                s.HasIdentity(x => x.Email);
                s.OnAdded().Record("Signed Up");
            });
            configure(kiss);
        });
        services.AddDbContext<ModelShopContext>((sp, db) => db.UseSqlite(database.ConnectionString).UseKissTracking(sp));
        return services.BuildServiceProvider();
    }

    public sealed class ModelShopper
    {
        public int Id { get; set; }

        public string Email { get; set; } = string.Empty;
    }

    public sealed class ModelShopContext(DbContextOptions<ModelShopContext> options) : DbContext(options)
    {
        public DbSet<ModelShopper> Shoppers => Set<ModelShopper>();
    }
}
