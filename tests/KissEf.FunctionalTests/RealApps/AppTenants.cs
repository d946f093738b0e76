using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.RealApps;

/// <summary>The tenant of a request, as a multi-tenant application resolves it (from its host, a header, a claim).</summary>
public interface ITenantContext
{
    string? Id { get; }
}

/// <summary>The scoped <see cref="ITenantContext"/>: a test sets the tenant of its scope.</summary>
public sealed class TenantContext : ITenantContext
{
    public string? Id { get; set; }
}

/// <summary>
/// Stamps the shadow <see cref="AppMember.TenantId"/> of every added member with the scope's tenant at save, as
/// multi-tenant libraries do: the entity has no CLR property that says its tenant.
/// </summary>
public sealed class TenantStampInterceptor(ITenantContext tenant) : AppSavingInterceptor
{
    protected override void Saving(DbContext db)
    {
        foreach (var entry in db.ChangeTracker.Entries<AppMember>().Where(e => e.State == EntityState.Added))
        {
            entry.Property(AppMember.TenantId).CurrentValue = tenant.Id;
        }
    }
}
