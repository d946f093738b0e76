using KissEf.Testing;
using KissEf.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Shop;

namespace KissEf.Tests.Docs;

/// <summary>The examples of the package readmes (src/KissEf/README.md, src/KissEf.Testing/README.md), run.</summary>
public sealed class PackageReadmeExampleTests
{
    [Fact]
    public async Task The_KissEf_readme_example_sends_Signed_Up_then_Changed_Plan_with_the_previous_plan()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        using var database = new SqliteDatabase();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["KissMetrics:ApiKey"] = "readme-key",
            ["KissMetrics:Endpoint"] = server.Endpoint.ToString(),
            ["ConnectionStrings:Shop"] = database.ConnectionString,
        });
        Shop.Packages.PackageExample.Register(builder);
        using var host = builder.Build();
        await using (var scope = host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ShopContext>().Database.EnsureCreatedAsync();
        }

        await host.StartAsync();
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShopContext>();
            db.Customers.Add(new Customer { Email = "ann@example.com", Plan = "Free" });
            await db.SaveChangesAsync();
            (await db.Customers.SingleAsync()).Plan = "Pro";
            await db.SaveChangesAsync();
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.Services.GetRequiredService<IKissDispatcher>().FlushAsync(deadline.Token);
        await host.StopAsync();

        Assert.Equal("Free", Assert.Single(server.Calls, c => c.Get("_n") == "Signed Up").Get("plan"));
        Assert.Equal("Free", Assert.Single(server.Calls, c => c.Get("_n") == "Changed Plan").Get("previous plan"));
    }

    [Fact]
    public async Task The_KissEf_Testing_readme_example_records_Signed_Up()
    {
        using var database = new SqliteDatabase();
        var connectionString = database.ConnectionString;

        #region testing-package-example
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddKissTracking(kiss => kiss
            .UseRecorder()                                   // no outbox table, no key, no network
            .ApplyConfiguration(new CustomerTracking()));
        builder.Services.AddDbContext<ShopContext>((sp, db) => db.UseSqlite(connectionString).UseKissTracking(sp));
        using var host = builder.Build();
        await host.StartAsync();

        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ShopContext>();
        await db.Database.EnsureCreatedAsync();
        db.Customers.Add(new Customer { Email = "ann@example.com", Plan = "Free" });
        await db.SaveChangesAsync();

        var call = Assert.Single(host.Services.GetRequiredService<KissRecorder>().Calls);
        Assert.Equal(("ann@example.com", "Signed Up", "Free"), (call.Person, call.Name, call.Properties["plan"]));
        #endregion

        await host.StopAsync();
    }
}
