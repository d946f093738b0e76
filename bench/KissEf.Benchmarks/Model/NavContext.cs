using Microsoft.EntityFrameworkCore;

namespace KissEf.Benchmarks.Model;

/// <summary>The context of the navigation-load probe: orders and their buyers (a context of its own, so that the other rows' model is unchanged).</summary>
public class NavContext(DbContextOptions<NavContext> options) : DbContext(options)
{
    public DbSet<NavPurchase> Purchases => Set<NavPurchase>();

    public DbSet<NavBuyer> Buyers => Set<NavBuyer>();
}
