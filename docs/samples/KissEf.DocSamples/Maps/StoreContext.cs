using Microsoft.EntityFrameworkCore;

namespace Shop.Maps;

/// <summary>The model of the maps, transactions and backfill pages.</summary>
public sealed class StoreContext(DbContextOptions<StoreContext> options) : DbContext(options)
{
    public DbSet<Customer> Customers => Set<Customer>();

    public DbSet<Order> Orders => Set<Order>();

    public DbSet<TodoItem> TodoItems => Set<TodoItem>();

    public DbSet<Member> Members => Set<Member>();
}
