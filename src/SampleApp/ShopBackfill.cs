using KissEf;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SampleApp.Model;

namespace SampleApp;

/// <summary>
/// <c>dotnet run --project src/SampleApp -- backfill --export out.jsonl</c>: the shop's history from before KissEf
/// (written here without tracking) replayed through the same maps into the vendor's JSON import file.
/// </summary>
internal sealed partial class ShopBackfill(IServiceScopeFactory scopes, IKissBackfill backfill, ILogger<ShopBackfill> logger)
{
    public async Task<int> RunAsync(string[] args, ShopDatabase database, CancellationToken cancellationToken = default)
    {
        var export = args.SkipWhile(a => a != "--export").Skip(1).FirstOrDefault();
        if (export is null)
        {
            LogUsage(logger);
            return 2;
        }

        await SeedHistoryAsync(database, cancellationToken);

        await using var output = File.Create(export);
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ShopContext>();
        foreach (var report in new[]
                 {
                     await backfill.ExportAsync(db.Customers.OrderBy(c => c.Id), output, cancellationToken),
                     await backfill.ExportAsync(db.Orders.Include(o => o.Customer).OrderBy(o => o.Id), output, cancellationToken),
                 })
        {
            LogReport(logger, report.RowsRead, report.CallsWritten, export);
            foreach (var (what, count) in report.Skipped)
            {
                LogSkipped(logger, count, what);
            }
        }

        return 0;
    }

    /// <summary>Customers and orders of the years before KissEf: a context without UseKissTracking tracks nothing.</summary>
    private static async Task SeedHistoryAsync(ShopDatabase database, CancellationToken cancellationToken)
    {
        await using var plain = new ShopContext(database.Use(new DbContextOptionsBuilder<ShopContext>()).Options);
        var ann = new Customer { Email = "ann@example.com", Plan = Plan.Pro, Gender = "female", Country = "Portugal", LegacyId = "legacy-1001" };
        var bob = new Customer { Email = "bob@example.com", Plan = Plan.Free, Gender = "male", Country = "Ireland" };
        plain.Customers.AddRange(ann, bob);
        plain.Orders.AddRange(
            new Order { Customer = ann, Total = 120.00m, PlacedAt = new DateTimeOffset(2023, 11, 24, 9, 30, 0, TimeSpan.Zero) },
            new Order { Customer = ann, Total = 35.50m, PlacedAt = new DateTimeOffset(2024, 2, 3, 18, 5, 0, TimeSpan.FromHours(1)) },
            new Order { Customer = bob, Total = 9.99m, PlacedAt = new DateTimeOffset(2024, 7, 14, 12, 0, 0, TimeSpan.Zero) });
        await plain.SaveChangesAsync(cancellationToken);
    }

    [LoggerMessage(10, LogLevel.Information, "Backfill: {Rows} row(s) read, {Calls} line(s) written to {File}")]
    private static partial void LogReport(ILogger logger, long rows, long calls, string file);

    [LoggerMessage(11, LogLevel.Information, "Backfill: left out {Count} time(s): {What}")]
    private static partial void LogSkipped(ILogger logger, long count, string what);

    [LoggerMessage(12, LogLevel.Error, "Usage: dotnet run --project src/SampleApp -- backfill --export out.jsonl")]
    private static partial void LogUsage(ILogger logger);
}
