using Microsoft.EntityFrameworkCore;

namespace KissEf.Benchmarks.Model;

/// <summary>The benchmarks' context: one mapped type with events, one unmapped type, one event-only type.</summary>
public class BenchContext(DbContextOptions<BenchContext> options) : DbContext(options)
{
    public DbSet<Customer> Customers => Set<Customer>();

    public DbSet<Order> Orders => Set<Order>();

    public DbSet<Visitor> Visitors => Set<Visitor>();
}
