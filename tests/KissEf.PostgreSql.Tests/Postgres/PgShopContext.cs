using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.Postgres;

public sealed class PgShopContext(DbContextOptions<PgShopContext> options) : DbContext(options)
{
    public DbSet<PgCustomer> Customers => Set<PgCustomer>();
}
