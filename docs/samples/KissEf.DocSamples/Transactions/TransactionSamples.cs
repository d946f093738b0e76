namespace Shop.Transactions;

/// <summary>The transactions page's samples (docs/transactions.md), run by tests/KissEf.FunctionalTests/Docs/DocSampleRunTests.cs.</summary>
public static class TransactionSamples
{
    public static async Task TwoSavesOneCommitAsync(ShopContext db, CancellationToken ct)
    {
        #region user-transaction
        await using var transaction = await db.Database.BeginTransactionAsync(ct);

        db.Customers.Add(new Customer { Email = "ann@example.com", Plan = "Free" });
        await db.SaveChangesAsync(ct);   // Ann's calls wait for the commit

        db.Customers.Add(new Customer { Email = "bob@example.com", Plan = "Pro" });
        await db.SaveChangesAsync(ct);   // and so do Bob's

        await transaction.CommitAsync(ct); // now both leave, together
        #endregion
    }

    public static async Task RolledBackAsync(ShopContext db, CancellationToken ct)
    {
        #region rollback
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            db.Customers.Add(new Customer { Email = "eve@example.com" });
            await db.SaveChangesAsync(ct);
            // No CommitAsync: disposing the transaction rolls it back, and Eve's calls die with it.
        }
        #endregion
    }
}
