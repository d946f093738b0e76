using Microsoft.EntityFrameworkCore;
using Shop.Maps;

namespace Shop.Bulk;

/// <summary>The bulk operations page's sample (docs/bulk-operations.md), run by tests/KissEf.FunctionalTests/Docs/DocSampleRunTests.cs.</summary>
public static class BulkSamples
{
    public static async Task<(int Shipped, int Purged)> RunAsync(StoreContext db, DateTimeOffset now, CancellationToken ct)
    {
        #region bulk
        // One UPDATE per chunk of rows, and the calls a save of each changed order would make (OnChanged(o => o.Status)).
        var shipped = await db.Orders
            .Where(o => o.Status == "Placed")
            .ExecuteUpdateTrackedAsync(s => s
                .SetProperty(o => o.Status, "Shipped")
                .SetProperty(o => o.UpdatedAt, now), ct);

        // One DELETE per chunk, and each deleted order's OnDeleted calls, with its values as they were.
        var purged = await db.Orders.Where(o => o.Status == "Cancelled").ExecuteDeleteTrackedAsync(ct);
        #endregion
        return (shipped, purged);
    }

    public static async Task<int> InTransactionAsync(StoreContext db, CancellationToken ct)
    {
        #region bulk-transaction
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var held = await db.Orders.Where(o => o.Status == "Shipped")
            .ExecuteUpdateTrackedAsync(s => s.SetProperty(o => o.Status, "Held"), ct);
        await transaction.RollbackAsync(ct);   // the rows and their calls are gone together
        #endregion
        return held;
    }
}
