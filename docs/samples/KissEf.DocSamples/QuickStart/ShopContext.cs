using Microsoft.EntityFrameworkCore;

namespace Shop;

#region shop-context
public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Customer> Customers => Set<Customer>();
}
#endregion
