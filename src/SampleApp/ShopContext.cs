using Microsoft.EntityFrameworkCore;
using SampleApp.Model;

namespace SampleApp;

/// <summary>The shop's database: an ordinary DbContext; KissEf is switched on where it is registered.</summary>
public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Customer> Customers => Set<Customer>();

    public DbSet<Order> Orders => Set<Order>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Customer>(customer =>
        {
            customer.HasIndex(c => c.Email).IsUnique();
            customer.Property(c => c.Email).HasMaxLength(255);
            customer.Property(c => c.Plan).HasConversion<string>();
        });

        modelBuilder.Entity<Order>(order =>
        {
            order.HasOne(o => o.Customer).WithMany(c => c.Orders).HasForeignKey(o => o.CustomerId);
        });
    }
}
