using System.Diagnostics;
using KissEf.Tests.Postgres;
using KissEf.Tests.Support;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace KissEf.Tests.Package;

/// <summary>
/// Issue 15, items 1 and 2, with the real tools: a console app with a Generic Host and the packed package, no API key
/// configured anywhere, runs <c>dotnet ef migrations add Init</c> and <c>dotnet ef database update</c> (dotnet-ef from the
/// repository's tool manifest) on a new SQLite file and on new PostgreSQL databases, with and without a default
/// schema and with the outbox's own schema. Each database ends with exactly one outbox table, where the options say.
/// Before the fix, <c>migrations add</c> failed on the missing key, and <c>database update</c> on a table created twice.
/// </summary>
[Trait("Category", "Package")]
[Collection(PackageGroup.Name)]
public sealed class MigrationsToolTests(PackedFeed packed)
{
    private static readonly TimeSpan StepTimeout = PackedFeed.StepTimeout;

    [Fact]
    public async Task Dotnet_ef_adds_and_applies_migrations_with_no_key_and_leaves_one_outbox_table_where_the_options_say()
    {
        await PackedFeed.RestoreToolsAsync();
        var postgres = await SharedPostgres.GetAsync();
        var clock = Stopwatch.StartNew();
        var app = WriteApp(packed);
        await DotnetProcess.RunAsync(app, StepTimeout, "build", "-c", "Release");

        var sqliteFile = Path.Combine(app, "shop.db");
        Target[] targets =
        [
            new("SqliteShopContext", $"Data Source={sqliteFile}", OutboxSchema: null, Expected: null),
            new("PostgresShopContext", postgres.CreateDatabase(), OutboxSchema: null, Expected: "public"),
            new("PostgresSchemaShopContext", postgres.CreateDatabase(), OutboxSchema: null, Expected: "shop"),
            new("PostgresOutboxSchemaShopContext", postgres.CreateDatabase(), OutboxSchema: "tracking", Expected: "tracking"),
        ];

        // One build for the four migrations: each `migrations add` only reads the built app.
        foreach (var target in targets)
        {
            // A folder (so a namespace) of its own, not named as the context type.
            var folder = Path.Combine("Migrations", target.Context.Replace("ShopContext", string.Empty, StringComparison.Ordinal));
            await DotnetEfAsync(app, target, "migrations", "add", "Init", "--output-dir", folder);
            var snapshot = File.ReadAllText(Path.Combine(app, folder, target.Context + "ModelSnapshot.cs"));
            Assert.Contains("modelBuilder.Entity(\"KissEf.Outbox.KissOutboxMessage\"", snapshot, StringComparison.Ordinal);
        }

        await DotnetProcess.RunAsync(app, StepTimeout, "build", "-c", "Release");
        foreach (var target in targets)
        {
            await DotnetEfAsync(app, target, "database", "update");
        }

        Assert.Equal(["kiss_outbox"], await SqliteOutboxTablesAsync(sqliteFile));
        foreach (var target in targets.Where(t => t.Context.StartsWith("Postgres", StringComparison.Ordinal)))
        {
            Assert.Equal([target.Expected!], await PostgresOutboxSchemasAsync(target.Connection));
        }

        Console.WriteLine($"migrations: build + 4 × (migrations add) + build + 4 × (database update) {clock.Elapsed.TotalSeconds:F0} s");
    }

    /// <summary>Runs dotnet-ef from the repository's tool manifest on <paramref name="app"/>; the app gets the connection (and the outbox schema) as arguments.</summary>
    private static Task<string> DotnetEfAsync(string app, Target target, params string[] command)
    {
        // `dotnet tool run` takes the first "--" for itself; dotnet-ef passes what follows the second to the app.
        string[] appArgs = target.OutboxSchema is { } schema
            ? ["--", "--", $"--ConnectionStrings:Shop={target.Connection}", $"--KissMetrics:OutboxSchema={schema}"]
            : ["--", "--", $"--ConnectionStrings:Shop={target.Connection}"];
        return DotnetProcess.RunAsync(
            Repository.Root(),
            StepTimeout,
            ["tool", "run", "dotnet-ef", .. command, "--project", app, "--context", target.Context, "--configuration", "Release", "--no-build", .. appArgs]);
    }

    private static async Task<List<string>> SqliteOutboxTablesAsync(string file)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'kiss_outbox'";
        return await ReadAsync(command);
    }

    private static async Task<List<string>> PostgresOutboxSchemasAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT table_schema FROM information_schema.tables WHERE table_name = 'kiss_outbox' ORDER BY table_schema";
        return await ReadAsync(command);
    }

    private static async Task<List<string>> ReadAsync(System.Data.Common.DbCommand command)
    {
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static string WriteApp(PackedFeed packed)
    {
        var app = packed.CreateAppFolder("migrations");
        PackedFeed.WriteProject(
            app,
            "ShopApp",
            "Microsoft.NET.Sdk",
            ["<OutputType>Exe</OutputType>"],
            [
                $"""<PackageReference Include="KissEf" Version="{packed.Version}" />""",
                """<PackageReference Include="Microsoft.EntityFrameworkCore.Sqlite" Version="10.0.15" />""",
                """<PackageReference Include="Npgsql.EntityFrameworkCore.PostgreSQL" Version="10.0.3" />""",
                """<PackageReference Include="Microsoft.Extensions.Hosting" Version="10.0.15" />""",
                """
                <PackageReference Include="Microsoft.EntityFrameworkCore.Design" Version="10.0.15">
                  <PrivateAssets>all</PrivateAssets>
                  <IncludeAssets>runtime; build; native; contentfiles; analyzers; buildtransitive</IncludeAssets>
                </PackageReference>
                """,
            ]);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using Microsoft.EntityFrameworkCore;
            using Microsoft.Extensions.Configuration;
            using Microsoft.Extensions.DependencyInjection;
            using Microsoft.Extensions.Hosting;

            // The README's setup, with no KissMetrics:ApiKey anywhere: design-time tools must not need it.
            var builder = Host.CreateApplicationBuilder(args);
            builder.Services.AddKissTracking(builder.Configuration.GetSection("KissMetrics"), kiss => kiss.Entity<Shopper>(s =>
            {
                s.HasIdentity(x => x.Email);
                s.OnAdded().Record("Signed Up");
            }));
            var shop = builder.Configuration.GetConnectionString("Shop");
            builder.Services.AddDbContext<SqliteShopContext>((sp, db) => db.UseSqlite(shop).UseKissTracking(sp));
            builder.Services.AddDbContext<PostgresShopContext>((sp, db) => db.UseNpgsql(shop).UseKissTracking(sp));
            builder.Services.AddDbContext<PostgresSchemaShopContext>((sp, db) => db.UseNpgsql(shop).UseKissTracking(sp));
            builder.Services.AddDbContext<PostgresOutboxSchemaShopContext>((sp, db) => db.UseNpgsql(shop).UseKissTracking(sp));
            builder.Build().Run();

            public sealed class Shopper
            {
                public int Id { get; set; }

                public required string Email { get; set; }
            }

            public sealed class SqliteShopContext(DbContextOptions<SqliteShopContext> options) : DbContext(options)
            {
                public DbSet<Shopper> Shoppers => Set<Shopper>();
            }

            public sealed class PostgresShopContext(DbContextOptions<PostgresShopContext> options) : DbContext(options)
            {
                public DbSet<Shopper> Shoppers => Set<Shopper>();
            }

            public sealed class PostgresSchemaShopContext(DbContextOptions<PostgresSchemaShopContext> options) : DbContext(options)
            {
                public DbSet<Shopper> Shoppers => Set<Shopper>();

                protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.HasDefaultSchema("shop");
            }

            // Run with KissMetrics:OutboxSchema=tracking: the app's tables in "shop", the outbox in "tracking".
            public sealed class PostgresOutboxSchemaShopContext(DbContextOptions<PostgresOutboxSchemaShopContext> options) : DbContext(options)
            {
                public DbSet<Shopper> Shoppers => Set<Shopper>();

                protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.HasDefaultSchema("shop");
            }
            """);
        return app;
    }

    /// <summary>A context of the app, its new database, the outbox schema it is run with, and the schema its outbox table must land in (PostgreSQL).</summary>
    private sealed record Target(string Context, string Connection, string? OutboxSchema, string? Expected);
}
