using KissEf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Shop.Web;

/// <summary>
/// The ASP.NET Core quick start (docs/getting-started-aspnetcore.md), run by <c>dotnet KissEf.DocSamples.dll web</c>:
/// tests/KissEf.Tests/Docs/QuickStartRunTests.cs starts it in Development, posts a customer, reads /health and stops it.
/// </summary>
public static class WebQuickStart
{
    public static async Task RunAsync(string[] args)
    {
        // LEAD: switch to builder.AddKissTracking(kiss => ...) (section "KissMetrics" by default), and "KissEf" to
        // KissEfDiagnostics.MeterName / .ActivitySourceName, in the region below once they are merged.
        #region web-program
        var builder = WebApplication.CreateBuilder(args);

        // Settings from the "KissMetrics" section: the key from user secrets or the environment, never appsettings.json.
        builder.Services.AddKissTracking(builder.Configuration.GetSection("KissMetrics"), kiss => kiss
            .ApplyConfiguration(new CustomerTracking()));
        builder.Services.AddDbContext<ShopContext>((sp, db) => db
            .UseSqlite(builder.Configuration.GetConnectionString("Shop"))
            .UseKissTracking(sp));

        builder.Services.AddHealthChecks().AddKissTracking();   // a check named "kissef"
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter("KissEf"))  // then your exporter, e.g. AddOtlpExporter()
            .WithTracing(tracing => tracing.AddSource("KissEf"));

        var app = builder.Build();
        if (app.Environment.IsDevelopment())
        {
            // A development database made on the spot; in production, apply your migrations instead.
            using var scope = app.Services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<ShopContext>().Database.EnsureCreatedAsync();
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
