using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.Support.Tenants;

/// <summary>
/// The customers of a multi-tenant test application, whose model building touches every entity type in one of the
/// ways applications do (<see cref="ConventionTenantContext"/>, <see cref="LoopTenantContext"/>,
/// <see cref="SoftDeleteAuditContext"/>). Its <see cref="TenantInfo"/> is the tenant of the flow, as a Finbuckle
/// context's is; its saves stamp the shadow columns of added entries, as Finbuckle's and audit code's saves do.
/// </summary>
public abstract class TenantAppContext(DbContextOptions options, TenantAccessor tenants) : DbContext(options)
{
    public DbSet<OutboxCustomer> Customers => Set<OutboxCustomer>();

    /// <summary>The tenant of the flow; null outside a tenant (the filter then throws, as Finbuckle's does).</summary>
    public TenantInfo? TenantInfo => tenants.Current;

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        Stamp();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        Stamp();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder) => OutboxShop.ConfigureModel(modelBuilder);

    private void Stamp()
    {
        foreach (var entry in ChangeTracker.Entries().Where(e => e.State == EntityState.Added))
        {
            if (entry.Metadata.FindProperty(TenantModel.Column) is not null)
            {
                entry.Property(TenantModel.Column).CurrentValue = TenantInfo!.Id;
            }

            if (entry.Metadata.FindProperty(SoftDeleteAuditConvention.CreatedBy) is not null)
            {
                entry.Property(SoftDeleteAuditConvention.CreatedBy).CurrentValue = "test-app";
            }
        }
    }
}

/// <summary>Every entity type made multi-tenant by <see cref="MultiTenantConvention"/>, added in ConfigureConventions.</summary>
public sealed class ConventionTenantContext(DbContextOptions<ConventionTenantContext> options, TenantAccessor tenants) : TenantAppContext(options, tenants)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
        => configurationBuilder.Conventions.Add(_ => new MultiTenantConvention());
}

/// <summary>Every entity type made multi-tenant by a loop over the model in OnModelCreating, as fullstackhero's base context does.</summary>
public sealed class LoopTenantContext(DbContextOptions<LoopTenantContext> options, TenantAccessor tenants) : TenantAppContext(options, tenants)
{
    /// <summary>The CLR types the loop saw, over every model built in the process.</summary>
    public static ConcurrentDictionary<Type, bool> Seen { get; } = new();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        foreach (var entityType in modelBuilder.Model.GetEntityTypes().ToList())
        {
            Seen[entityType.ClrType] = true;
            TenantModel.MakeMultiTenant(modelBuilder, entityType);
        }
    }
}

/// <summary>
/// Every entity type soft-deletable and audited by <see cref="SoftDeleteAuditConvention"/>, and every string at most 64
/// characters long (pre-convention configuration).
/// </summary>
public sealed class SoftDeleteAuditContext(DbContextOptions<SoftDeleteAuditContext> options, TenantAccessor tenants) : TenantAppContext(options, tenants)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        configurationBuilder.Conventions.Add(_ => new SoftDeleteAuditConvention());
        configurationBuilder.Properties<string>().HaveMaxLength(64);
    }
}

/// <summary>
/// <see cref="ConventionTenantContext"/> whose saves stamp the tenant on every added entry without asking whether the
/// entry has the column or the flow a tenant, as much application code does. KissEf's own rows must never go through it.
/// </summary>
public sealed class BlindStampTenantContext(DbContextOptions<BlindStampTenantContext> options, TenantAccessor tenants) : TenantAppContext(options, tenants)
{
    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        StampBlindly();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        StampBlindly();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
        => configurationBuilder.Conventions.Add(_ => new MultiTenantConvention());

    private void StampBlindly()
    {
        foreach (var entry in ChangeTracker.Entries().Where(e => e.State == EntityState.Added))
        {
            entry.Property(TenantModel.Column).CurrentValue = TenantInfo?.Id ?? throw new InvalidOperationException("BlindStampTenantContext saved outside a tenant.");
        }
    }
}
