using KissEf.Tests.Support;
using Microsoft.Data.Sqlite;

namespace KissEf.Tests.Package;

/// <summary>
/// Issue 19, <c>KissEf.Commands</c> as a user gets it: a minimal console host built from the packed KissEf and
/// KissEf.Commands (<see cref="PackedFeed"/>), with a SQLite context on the outbox and
/// <c>return await host.RunWithKissCommandsAsync(args);</c> as its last line, runs as the app without <c>kissef</c>
/// (its hosted service and KissEf's dispatcher run, exit 0) and runs <c>kissef status</c> without starting (exit 0, the
/// table of docs/operations.md).
/// </summary>
[Trait("Category", "Package")]
[Collection(PackageGroup.Name)]
public sealed class CommandsPackageTests(PackedFeed packed)
{
    /// <summary>The EF Core and hosting version the app takes (the repository's own, so the restore finds them cached).</summary>
    private const string Extensions = "10.0.15";

    [Fact]
    public async Task An_app_built_from_the_packages_runs_as_the_app_and_runs_kissef_status()
    {
        var app = WriteApp(packed);
        await DotnetProcess.RunAsync(app, PackedFeed.StepTimeout, "build", "-c", "Release");
        var dll = Path.Combine(app, "bin", "Release", "net10.0", "OpsApp.dll");

        // As the app: its hosted service saved a customer, KissEf's dispatcher sent the call (dry run), and it stopped.
        var run = await DotnetProcess.RunAsync(app, PackedFeed.StepTimeout, dll);
        Assert.Contains("app ran", run, StringComparison.Ordinal);
        Assert.Contains("Application started", run, StringComparison.Ordinal);
        Assert.Contains("KissEf dry run: https://trk.kissmetrics.com/e", run, StringComparison.Ordinal);

        // A dead row for the command to count; then the command, the app not started (no "app ran", no start line).
        var database = Path.Combine(app, "ops.db");
        using (var connection = new SqliteConnection($"Data Source={database};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO kiss_outbox (calls, call_count, created_at, attempts, next_attempt_at, lease_expires_at, last_error, dead_at)
                VALUES ('e?_n=Signed%20Up&_p=ann%40example.com&_t=1700000000', 1, 1, 1, 1, 0, 'HTTP 400 (BadRequest)', 1700000000000);
                """;
            command.ExecuteNonQuery();
        }

        var status = await DotnetProcess.RunAsync(app, PackedFeed.StepTimeout, dll, "kissef", "status");

        Assert.Equal(
            """
            outbox               pending rows  pending calls  dead rows  dead calls  oldest pending
            all                             0              0          1           1  -
            context ShopContext             0              0          1           1  -

            """.ReplaceLineEndings(),
            status);
    }

    private static string WriteApp(PackedFeed packed)
    {
        var app = packed.CreateAppFolder("commands");
        PackedFeed.WriteProject(
            app,
            "OpsApp",
            "Microsoft.NET.Sdk",
            ["<OutputType>Exe</OutputType>"],
            [
                $"""<PackageReference Include="KissEf" Version="{packed.Version}" />""",
                $"""<PackageReference Include="KissEf.Commands" Version="{packed.Version}" />""",
                $"""<PackageReference Include="Microsoft.EntityFrameworkCore.Sqlite" Version="{Extensions}" />""",
                $"""<PackageReference Include="Microsoft.Extensions.Hosting" Version="{Extensions}" />""",
            ]);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using KissEf;
            using Microsoft.EntityFrameworkCore;
            using Microsoft.Extensions.DependencyInjection;
            using Microsoft.Extensions.Hosting;

            var builder = Host.CreateApplicationBuilder(args);
            builder.Services.AddKissTracking(kiss =>
            {
                kiss.UseDryRun();
                kiss.Entity<Customer>(c =>
                {
                    c.HasIdentity(x => x.Email);
                    c.OnAdded().Record("Signed Up");
                });
            });
            builder.Services.AddDbContext<ShopContext>((sp, db) => db.UseSqlite("Data Source=ops.db").UseKissTracking(sp));
            builder.Services.AddHostedService<SignUp>();

            using var host = builder.Build();
            if (args is not ["kissef", ..])
            {
                // A development database, new on every run of the app (not for a command, which reads it).
                using var scope = host.Services.CreateScope();
                var db = scope.ServiceProvider.GetRequiredService<ShopContext>();
                await db.Database.EnsureDeletedAsync();
                await db.Database.EnsureCreatedAsync();
            }

            return await host.RunWithKissCommandsAsync(args);

            public sealed class Customer
            {
                public int Id { get; set; }
                public required string Email { get; set; }
            }

            public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
            {
                public DbSet<Customer> Customers => Set<Customer>();
            }

            /// <summary>The app's work: one sign-up, then the app stops (KissEf delivers what is left at stop).</summary>
            public sealed class SignUp(IServiceScopeFactory scopes, IHostApplicationLifetime lifetime) : BackgroundService
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    using (var scope = scopes.CreateScope())
                    {
                        var db = scope.ServiceProvider.GetRequiredService<ShopContext>();
                        db.Customers.Add(new Customer { Email = "ann@example.com" });
                        await db.SaveChangesAsync(stoppingToken);
                    }

                    Console.WriteLine("app ran");
                    lifetime.StopApplication();
                }
            }
            """);
        return app;
    }
}
