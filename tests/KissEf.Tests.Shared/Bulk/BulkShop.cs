using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.Bulk;

/// <summary>A buyer: the person of its orders' calls, reached through <see cref="BulkOrder.Buyer"/> (eShop's shape).</summary>
public sealed class BulkBuyer
{
    public int Id { get; set; }

    public string IdentityGuid { get; set; } = string.Empty;
}

/// <summary>An order of the tracked bulk operation tests: its identity is its buyer's, through a navigation.</summary>
public sealed class BulkOrder
{
    public int Id { get; set; }

    public string Status { get; set; } = "new";

    public int Total { get; set; }

    /// <summary>Which group of a test the row is in (never in a call).</summary>
    public string Batch { get; set; } = string.Empty;

    /// <summary>Soft-deleted: the context's query filter hides the row.</summary>
    public bool Hidden { get; set; }

    public int BuyerId { get; set; }

    public BulkBuyer Buyer { get; set; } = null!;
}

/// <summary>The orders and buyers, with a soft-delete filter on orders.</summary>
public sealed class BulkShopContext(DbContextOptions<BulkShopContext> options) : DbContext(options)
{
    public DbSet<BulkOrder> Orders => Set<BulkOrder>();

    public DbSet<BulkBuyer> Buyers => Set<BulkBuyer>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<BulkBuyer>().ToTable("bulk_buyers");
        modelBuilder.Entity<BulkOrder>(o =>
        {
            o.ToTable("bulk_orders");
            o.HasQueryFilter(x => !x.Hidden);
            o.HasIndex(x => new { x.Batch, x.Total }).IsUnique();
        });
    }
}

/// <summary>The map of the tests: what a save of an order makes, so a tracked bulk operation must make the same.</summary>
public static class BulkShop
{
    public const string StatusChanged = "Order Status Changed";

    public const string Touched = "Order Touched";

    public const string Deleted = "Order Deleted";

    public static KissTrackingBuilder MapOrders(this KissTrackingBuilder kiss)
    {
        ArgumentNullException.ThrowIfNull(kiss);
        return kiss.Entity<BulkOrder>(o =>
        {
            o.HasIdentity(x => x.Buyer.IdentityGuid);
            o.OnChanged(x => x.Status).Record(StatusChanged).With("status", x => x.Status).WithOriginal("previous status", x => x.Status);
            o.OnModified().Record(Touched).With("total", x => x.Total);
            o.OnDeleted().Record(Deleted).With("status", x => x.Status).With("total", x => x.Total);
        });
    }
}
