using KissEf;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Shop;

/// <summary>
/// The console quick start (README.md, docs/getting-started-console.md), run by <c>dotnet KissEf.DocSamples.dll console</c>
/// in a folder of its own: tests/KissEf.ProcessTests/Docs/QuickStartRunTests.cs checks the dry-run line it prints.
/// </summary>
public static class ConsoleQuickStart
{
    public static async Task RunAsync(string[] args)
    {
        #region quick-start
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddKissTracking(kiss => kiss
            .UseDryRun() // logs each call instead of sending it; to send: .UseApiKey("your-api-key")
            .ApplyConfiguration(new CustomerTracking()));
        builder.Services.AddDbContext<ShopContext>((sp, db) => db.UseSqlite("Data Source=shop.db").UseKissTracking(sp));
        using var host = builder.Build();

        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ShopContext>();
        await db.Database.EnsureCreatedAsync(); // the tables, kiss_outbox included (in production: migrations)
        await host.StartAsync();

        db.Customers.Add(new Customer { Email = "ann@example.com", Plan = "Free" });
        await db.SaveChangesAsync(); // the change commits, then /e "Signed Up" leaves

        await host.Services.GetRequiredService<IKissDispatcher>().FlushAsync(); // a short-lived process waits
        await host.StopAsync();
        #endregion
    }
}
