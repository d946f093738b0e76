using System.ComponentModel.DataAnnotations.Schema;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.Support;

/// <summary>The shop the core tests track: customers (unique e-mail), their orders and an optional address.</summary>
public sealed class TestShopContext(DbContextOptions<TestShopContext> options) : DbContext(options)
{
    public DbSet<ShopCustomer> Customers => Set<ShopCustomer>();

    public DbSet<ShopOrder> Orders => Set<ShopOrder>();

    public DbSet<ShopAddress> Addresses => Set<ShopAddress>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // A unique e-mail lets a test make a save fail on demand (a duplicate), inside or outside a transaction.
        modelBuilder.Entity<ShopCustomer>().HasIndex(c => c.Email).IsUnique();
        modelBuilder.Entity<ShopOrder>().HasIndex(o => o.Reference).IsUnique();

        // Npgsql writes only UTC DateTimes to timestamptz; the tests' DateTimes are unspecified.
        if (Database.ProviderName == "Npgsql.EntityFrameworkCore.PostgreSQL")
        {
            modelBuilder.Entity<ShopCustomer>().Property(c => c.LastSeen).HasColumnType("timestamp without time zone");
        }
    }
}

public enum ShopTier
{
    Free,
    Gold,
}

public sealed class ShopCustomer
{
    public int Id { get; set; }

    public string? Email { get; set; }

    public string? LegacyId { get; set; }

    public string? Plan { get; set; }

    public string? Gender { get; set; }

    public string? Country { get; set; }

    public string? Region { get; set; }

    public bool IsVip { get; set; }

    public double Score { get; set; }

    public decimal Balance { get; set; }

    public int Visits { get; set; }

    public DateTime LastSeen { get; set; }

    public DateTimeOffset SignedUpAt { get; set; }

    public ShopTier Tier { get; set; }

    public int? AddressId { get; set; }

    public ShopAddress? Address { get; set; }

    public List<ShopOrder> Orders { get; } = [];

    /// <summary>Not mapped to a column: a map that watches it must fail at start-up.</summary>
    [NotMapped]
    public string? Nickname { get; set; }
}

public sealed class ShopAddress
{
    public int Id { get; set; }

    public string City { get; set; } = "";
}

public sealed class ShopOrder
{
    public int Id { get; set; }

    public string? Reference { get; set; }

    public decimal Total { get; set; }

    public int CustomerId { get; set; }

    public ShopCustomer? Customer { get; set; }
}
