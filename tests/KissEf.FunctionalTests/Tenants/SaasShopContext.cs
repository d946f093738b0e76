using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.Tenants;

/// <summary>
/// The test application's context: a database per tenant, the tenant's connection string read in
/// <see cref="OnConfiguring"/> from the scope's tenant (as Finbuckle's documentation and fullstackhero do). Created
/// without a tenant it cannot be used (its configuration throws).
/// </summary>
public sealed class SaasShopContext(DbContextOptions<SaasShopContext> options, SaasTenantScope tenant) : DbContext(options)
{
    public DbSet<SaasMember> Members => Set<SaasMember>();

    #region context
    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder)
        => optionsBuilder.UseSqlite(tenant.Current?.ConnectionString
            ?? throw new InvalidOperationException("SaasShopContext is a tenant's: create it in a scope that has one."));
    #endregion

    protected override void OnModelCreating(ModelBuilder modelBuilder)
        => modelBuilder.Entity<SaasMember>(m =>
        {
            m.ToTable("members");
            m.HasIndex(x => x.Email).IsUnique();
        });
}
