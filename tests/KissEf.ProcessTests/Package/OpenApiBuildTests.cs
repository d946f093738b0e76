using System.Diagnostics;
using System.Text.RegularExpressions;
using KissEf.Tests.Support;

namespace KissEf.Tests.Package;

/// <summary>
/// Issue 15, item 2, with the real tool: an ASP.NET Core app that generates its OpenAPI document at build time
/// (Microsoft.Extensions.ApiDescription.Server: <c>dotnet-getdocument</c> starts the app's host inside its
/// GetDocument.Insider process) builds with the packed package and no API key, several times in a row. KissEf runs
/// nothing there: no options failure, no dispatcher, no connection, so no database file appears. The app keeps its
/// started host up for a moment (or until the file appears), so that a dispatcher that did run would show itself.
/// Before the fix the build failed on the missing key; with a key, the dispatcher created the database file.
/// </summary>
[Trait("Category", "Package")]
[Collection(PackageGroup.Name)]
public sealed partial class OpenApiBuildTests(PackedFeed packed)
{
    private const int Builds = 3;

    [Fact]
    public async Task An_ASP_NET_Core_app_generates_its_OpenAPI_document_at_build_time_with_no_key_and_no_database_touched()
    {
        var clock = Stopwatch.StartNew();
        var app = WriteApp(packed);
        var database = Path.Combine(app, "web.db");
        var document = Path.Combine(app, "openapi", "WebShop.json");

        for (var build = 1; build <= Builds; build++)
        {
            // The generation step is skipped when its cache says the dll did not change: make each build run it.
            foreach (var file in (string[])[Path.Combine(app, "obj", "WebShop.OpenApiFiles.cache"), document])
            {
                if (File.Exists(file))
                {
                    File.Delete(file);
                }
            }

            var output = await DotnetProcess.RunAsync(app, PackedFeed.StepTimeout, "build", "-c", "Release");

            Assert.Contains("Writing document named 'v1'", output, StringComparison.Ordinal);
            Assert.Contains("\"/shoppers\"", File.ReadAllText(document), StringComparison.Ordinal);
            Assert.False(File.Exists(database), $"Build {build} created the database file:{Environment.NewLine}{output}");
            Assert.False(Troubles().IsMatch(output), $"Build {build} wrote a warning or an error:{Environment.NewLine}{output}");
        }

        Console.WriteLine($"openapi: {Builds} builds {clock.Elapsed.TotalSeconds:F0} s");
    }

    // A log line at Warning or above (console logger's prefixes), an exception, an MSBuild error.
    [GeneratedRegex(@"\b(warn|fail|crit):|Exception|\berror\b")]
    private static partial Regex Troubles();

    private static string WriteApp(PackedFeed packed)
    {
        var app = packed.CreateAppFolder("openapi");
        PackedFeed.WriteProject(
            app,
            "WebShop",
            "Microsoft.NET.Sdk.Web",
            [
                "<OpenApiGenerateDocuments>true</OpenApiGenerateDocuments>",
                "<OpenApiDocumentsDirectory>$(MSBuildProjectDirectory)/openapi</OpenApiDocumentsDirectory>",
            ],
            [
                $"""<PackageReference Include="KissEf" Version="{packed.Version}" />""",
                """<PackageReference Include="Microsoft.EntityFrameworkCore.Sqlite" Version="10.0.15" />""",
                """<PackageReference Include="Microsoft.AspNetCore.OpenApi" Version="10.0.15" />""",
                """
                <PackageReference Include="Microsoft.Extensions.ApiDescription.Server" Version="10.0.15">
                  <PrivateAssets>all</PrivateAssets>
                  <IncludeAssets>runtime; build; native; contentfiles; analyzers; buildtransitive</IncludeAssets>
                </PackageReference>
                """,
            ]);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using Microsoft.EntityFrameworkCore;

            // No KissMetrics:ApiKey anywhere: the build-time document generation must not need it.
            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddOpenApi();
            builder.Services.AddKissTracking(builder.Configuration.GetSection("KissMetrics"), kiss => kiss.Entity<Shopper>(s =>
            {
                s.HasIdentity(x => x.Email);
                s.OnAdded().Record("Signed Up");
            }));
            var database = "__DATABASE__";
            builder.Services.AddDbContext<WebShopContext>((sp, db) => db.UseSqlite($"Data Source={database}").UseKissTracking(sp));
            builder.Services.AddHostedService(_ => new ObservationWindow(database));

            var app = builder.Build();
            app.MapOpenApi();
            app.MapGet("/shoppers", async (WebShopContext db) => await db.Shoppers.ToListAsync());
            app.Run();

            public sealed class Shopper
            {
                public int Id { get; set; }

                public required string Email { get; set; }
            }

            public sealed class WebShopContext(DbContextOptions<WebShopContext> options) : DbContext(options)
            {
                public DbSet<Shopper> Shoppers => Set<Shopper>();
            }

            /// <summary>
            /// Holds the started host for two seconds, or until the database file appears: long enough for a background
            /// service that polls its database at start to open it (the file is created then).
            /// </summary>
            public sealed class ObservationWindow(string database) : IHostedService
            {
                public async Task StartAsync(CancellationToken cancellationToken)
                {
                    // A poll with a deadline: there is no signal for "a file was not created".
                    var deadline = DateTime.UtcNow.AddSeconds(2);
                    var poll = TimeSpan.FromMilliseconds(50);
                    while (DateTime.UtcNow < deadline && !File.Exists(database))
                    {
                        await Task.Delay(poll, cancellationToken);
                    }
                }

                public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
            }
            """.Replace("__DATABASE__", Path.Combine(app, "web.db"), StringComparison.Ordinal));
        return app;
    }
}
