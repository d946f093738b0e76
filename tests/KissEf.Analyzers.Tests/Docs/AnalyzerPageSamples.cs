using System.Diagnostics.CodeAnalysis;
using KissEf;
using Microsoft.EntityFrameworkCore;

// The samples of docs/analyzer.md. Compiled here (the test project does not run the analyzer on itself), and
// AnalyzerPageTests runs KISS001-KISS003 over this file: each "// KISS00n" comment marks the line of one diagnostic,
// and no other line may have one.
namespace Shop.Analyzer;

public sealed class Order
{
    public int Id { get; set; }
    public required string Email { get; set; }
    public string Status { get; set; } = "new";
    public DateTime PlacedAt { get; set; }
}

public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();
}

public sealed class OrderTracking : IKissEntityTypeConfiguration<Order>
{
    public void Configure(KissEntityTypeBuilder<Order> builder)
    {
        #region mistakes
        builder.HasIdentity(o => o.Email);
        builder.OnChanged(o => o.Status.ToUpperInvariant()) // KISS002: a method call, not a member path
            .Record("_status changed"); // KISS003: starts with '_'
        builder.OnModified()
            .Record("Order Changed")
            .With("status", o => o.Status)
            .With("Status", o => o.Status); // KISS003: "status" twice in one call
        #endregion
    }
}

public static class OrderCleanup
{
    #region bulk
    public static Task<int> ArchiveAsync(ShopContext db, DateTime cutoff, CancellationToken ct)
        => db.Orders.Where(o => o.PlacedAt < cutoff)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.Status, "archived"), ct); // KISS001: use ExecuteUpdateTrackedAsync
    #endregion

    #region suppress-pragma
    public static Task<int> PurgeTestOrdersAsync(ShopContext db, CancellationToken ct)
    {
        // Test fixtures: no call is wanted for them.
#pragma warning disable KISS001
        return db.Orders.Where(o => o.Email.EndsWith("@test.invalid")).ExecuteDeleteAsync(ct);
#pragma warning restore KISS001
    }
    #endregion

    #region suppress-attribute
    [SuppressMessage("KissEf", "KISS001", Justification = "Archived orders are no longer tracked.")]
    public static int DeleteArchived(ShopContext db)
        => db.Orders.Where(o => o.Status == "archived").ExecuteDelete();
    #endregion
}
