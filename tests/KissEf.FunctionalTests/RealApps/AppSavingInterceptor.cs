using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KissEf.Tests.RealApps;

/// <summary>
/// What the application's SaveChanges interceptors share: one hook on the saving context, run by EF's synchronous and
/// asynchronous <c>SavingChanges</c> alike, before KissEf's capture of the save ends.
/// </summary>
public abstract class AppSavingInterceptor : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        Saving(eventData.Context!);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData,
        InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        Saving(eventData.Context!);
        return ValueTask.FromResult(result);
    }

    /// <summary>What the application does to the save.</summary>
    protected abstract void Saving(DbContext db);
}
