using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace KissEf.Tests.Support;

/// <summary>EF's save and transaction calls, through their synchronous or their asynchronous API as a test's <c>async</c> flag says.</summary>
public static class SyncOrAsync
{
    public static async Task SaveAsync(DbContext db, bool async)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (async)
        {
            await db.SaveChangesAsync();
        }
        else
        {
            db.SaveChanges();
        }
    }

    public static async Task<IDbContextTransaction> BeginAsync(DbContext db, bool async)
    {
        ArgumentNullException.ThrowIfNull(db);
        return async ? await db.Database.BeginTransactionAsync() : db.Database.BeginTransaction();
    }

    public static async Task CommitAsync(IDbContextTransaction tx, bool async)
    {
        ArgumentNullException.ThrowIfNull(tx);
        if (async)
        {
            await tx.CommitAsync();
        }
        else
        {
            tx.Commit();
        }
    }

    public static async Task RollbackAsync(IDbContextTransaction tx, bool async)
    {
        ArgumentNullException.ThrowIfNull(tx);
        if (async)
        {
            await tx.RollbackAsync();
        }
        else
        {
            tx.Rollback();
        }
    }
}
