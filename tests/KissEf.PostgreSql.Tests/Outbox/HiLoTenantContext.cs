using KissEf.Tests.Support.Tenants;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.Outbox;

/// <summary>
/// The test application with Npgsql's model-wide <c>UseHiLo()</c>: every key of the model from a HiLo sequence, the
/// values made by the client, unless an entity says otherwise.
/// </summary>
public sealed class HiLoTenantContext(DbContextOptions<HiLoTenantContext> options, TenantAccessor tenants) : TenantAppContext(options, tenants)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.UseHiLo();
    }
}
