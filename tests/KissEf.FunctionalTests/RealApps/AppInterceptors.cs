using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.RealApps;

/// <summary>
/// The audit interceptor real apps write: it enumerates <c>ChangeTracker.Entries()</c> (which runs DetectChanges and
/// raises DetectedAllChanges), then stamps every modified <see cref="IAudited"/> entity and adds an
/// <see cref="AuditEntry"/> for it.
/// </summary>
/// <param name="throughEntries">Stamp through <c>entry.Property(...).CurrentValue</c> (works with AutoDetectChangesEnabled off) instead of the object.</param>
public sealed class AuditInterceptor(bool throughEntries) : AppSavingInterceptor
{
    public const string Actor = "audit-bot";

    public AuditInterceptor()
        : this(false)
    {
    }

    public static readonly DateTimeOffset StampTime = new(2026, 3, 14, 15, 9, 26, TimeSpan.Zero);

    protected override void Saving(DbContext db)
    {
        var modified = db.ChangeTracker.Entries()
            .Where(e => e.State == EntityState.Modified && e.Entity is IAudited)
            .ToList();
        foreach (var entry in modified)
        {
            if (throughEntries)
            {
                entry.Property(nameof(IAudited.UpdatedBy)).CurrentValue = Actor;
                entry.Property(nameof(IAudited.UpdatedAt)).CurrentValue = StampTime;
            }
            else
            {
                var audited = (IAudited)entry.Entity;
                audited.UpdatedBy = Actor;
                audited.UpdatedAt = StampTime;
            }

            db.Add(new AuditEntry { Actor = Actor, EntityName = entry.Metadata.ClrType.Name, Action = "Modified" });
        }
    }
}

/// <summary>
/// An interceptor that reads nothing from the change tracker: it stamps the entity it was given and adds an
/// <see cref="AuditEntry"/> with <c>context.Add</c>.
/// </summary>
/// <param name="throughEntries">Stamp through <c>db.Entry(target).Property(...).CurrentValue</c> instead of the object.</param>
public sealed class StampingInterceptor(bool throughEntries) : AppSavingInterceptor
{
    public StampingInterceptor()
        : this(false)
    {
    }

    public IAudited? Target { get; set; }

    protected override void Saving(DbContext db)
    {
        if (Target is not { } target)
        {
            return;
        }

        if (throughEntries)
        {
            var entry = db.Entry(target);
            entry.Property(nameof(IAudited.UpdatedBy)).CurrentValue = AuditInterceptor.Actor;
            entry.Property(nameof(IAudited.UpdatedAt)).CurrentValue = AuditInterceptor.StampTime;
        }
        else
        {
            target.UpdatedBy = AuditInterceptor.Actor;
            target.UpdatedAt = AuditInterceptor.StampTime;
        }

        db.Add(new AuditEntry { Actor = AuditInterceptor.Actor, EntityName = target.GetType().Name, Action = "Modified" });
        Target = null;
    }
}

/// <summary>The common soft-delete interceptor: a deleted <see cref="AppTodo"/> becomes an update with IsDeleted = true.</summary>
public sealed class SoftDeleteInterceptor : AppSavingInterceptor
{
    protected override void Saving(DbContext db)
    {
        foreach (var entry in db.ChangeTracker.Entries<AppTodo>().Where(e => e.State == EntityState.Deleted).ToList())
        {
            entry.State = EntityState.Modified;
            entry.Entity.IsDeleted = true;
        }
    }
}
