using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KissEf.Tests.RealApps;

/// <summary>
/// The audit interceptor real apps write: it enumerates <c>ChangeTracker.Entries()</c> (which runs DetectChanges and
/// raises DetectedAllChanges), then stamps every modified <see cref="IAudited"/> entity and adds an
/// <see cref="AuditEntry"/> for it.
/// </summary>
public sealed class AuditInterceptor : SaveChangesInterceptor
{
    public const string Actor = "audit-bot";

    public static readonly DateTimeOffset StampTime = new(2026, 3, 14, 15, 9, 26, TimeSpan.Zero);

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Stamp(eventData.Context!);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData,
        InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        Stamp(eventData.Context!);
        return ValueTask.FromResult(result);
    }

    private static void Stamp(DbContext db)
    {
        var modified = db.ChangeTracker.Entries()
            .Where(e => e.State == EntityState.Modified && e.Entity is IAudited)
            .ToList();
        foreach (var entry in modified)
        {
            var audited = (IAudited)entry.Entity;
            audited.UpdatedBy = Actor;
            audited.UpdatedAt = StampTime;
            db.Add(new AuditEntry { Actor = Actor, EntityName = entry.Metadata.ClrType.Name, Action = "Modified" });
        }
    }
}

/// <summary>
/// An interceptor that reads nothing from the change tracker: it stamps the entity it was given and adds an
/// <see cref="AuditEntry"/> with <c>context.Add</c>.
/// </summary>
public sealed class StampingInterceptor : SaveChangesInterceptor
{
    public IAudited? Target { get; set; }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Stamp(eventData.Context!);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData,
        InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        Stamp(eventData.Context!);
        return ValueTask.FromResult(result);
    }

    private void Stamp(DbContext db)
    {
        if (Target is not { } target)
        {
            return;
        }

        target.UpdatedBy = AuditInterceptor.Actor;
        target.UpdatedAt = AuditInterceptor.StampTime;
        db.Add(new AuditEntry { Actor = AuditInterceptor.Actor, EntityName = target.GetType().Name, Action = "Modified" });
        Target = null;
    }
}

/// <summary>The common soft-delete interceptor: a deleted <see cref="AppTodo"/> becomes an update with IsDeleted = true.</summary>
public sealed class SoftDeleteInterceptor : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        SoftDelete(eventData.Context!);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData,
        InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        SoftDelete(eventData.Context!);
        return ValueTask.FromResult(result);
    }

    private static void SoftDelete(DbContext db)
    {
        foreach (var entry in db.ChangeTracker.Entries<AppTodo>().Where(e => e.State == EntityState.Deleted).ToList())
        {
            entry.State = EntityState.Modified;
            entry.Entity.IsDeleted = true;
        }
    }
}
