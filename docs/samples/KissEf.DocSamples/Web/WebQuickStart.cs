using KissEf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Shop.Web;

/// <summary>
/// The ASP.NET Core quick start (docs/getting-started-aspnetcore.md), run by <c>dotnet KissEf.DocSamples.dll web</c>:
/// tests/KissEf.ProcessTests/Docs/QuickStartRunTests.cs starts it in Development, posts a customer, reads /health and stops it.
/// </summary>
public static class WebQuickStart
{
    public static async Task RunAsync(string[] args)
    {
        #region web-program
        var builder = WebApplication.CreateBuilder(args);

        // The settings from the section "KissMetrics": the key from user secrets or the environment, never appsettings.json.
        builder.AddKissTracking(kiss => kiss
            .ApplyConfiguration(new CustomerTracking()));
        builder.Services.AddDbContext<ShopContext>((sp, db) => db
            .UseSqlite(builder.Configuration.GetConnectionString("Shop"))
            .UseKissTracking(sp));

        builder.Services.AddHealthChecks().AddKissTracking();   // a check named "kissef"
        builder.Services.AddOpenTelemetry()                     // then an exporter, e.g. .UseOtlpExporter()
            .WithMetrics(metrics => metrics.AddMeter(KissEfDiagnostics.MeterName))
            .WithTracing(tracing => tracing.AddSource(KissEfDiagnostics.ActivitySourceName));

        var app = builder.Build();
        if (app.Environment.IsDevelopment())
        {
            // Applies the migrations not applied yet, as `dotnet ef database update` does: a new clone runs at once.
            using var scope = app.Services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<ShopContext>().Database.MigrateAsync();
        }

        app.MapPost("/customers", async (Customer customer, ShopContext db) =>
        {
            db.Customers.Add(customer);
            await db.SaveChangesAsync(); // commits with its outbox row; the dispatcher sends it in the background
            return Results.Created($"/customers/{customer.Id}", customer);
        });
        app.MapHealthChecks("/health");

        await app.RunAsync();
        #endregion
    }
}
