using KissEf;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shop.Maps;

namespace Shop.Backfill;

/// <summary>The backfill page's sample (docs/backfill.md), run by tests/KissEf.FunctionalTests/Docs/DocSampleRunTests.cs.</summary>
public static class BackfillSamples
{
    public static async Task<(KissBackfillReport Enqueued, KissBackfillReport Exported)> RunAsync(
        IServiceProvider services, StoreContext db, string path, CancellationToken ct)
    {
        #region backfill
        var backfill = services.GetRequiredService<IKissBackfill>();

        // 1. Through the outbox, delivered as usual at a bounded rate, resumable.
        var report = await backfill.EnqueueAsync(db.Orders.Include(o => o.Customer).Where(o => o.Status != "Cancelled"), ct);

        // 2. As the vendor's JSON import file.
        await using var file = File.Create(path);
        var exported = await backfill.ExportAsync(db.Orders.Include(o => o.Customer), file, ct);
        #endregion
        return (report, exported);
    }
}
