using System.ComponentModel.DataAnnotations.Schema;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.RealApps;

/// <summary>
/// The model of a real application, as the Clean Architecture app has it: audited entities, an audit log
/// the app's own interceptor writes, soft-deleted todos, an owned address, owned order lines, a complex price,
/// TPH payments, a strongly typed user id and customers whose orders cascade and are deleted as orphans.
/// </summary>
public sealed class AppShopContext(DbContextOptions<AppShopContext> options) : DbContext(options)
{
    public DbSet<AppCustomer> Customers => Set<AppCustomer>();

    public DbSet<AppOrder> Orders => Set<AppOrder>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<AppTodo> Todos => Set<AppTodo>();

    public DbSet<AppProduct> Products => Set<AppProduct>();

    public DbSet<AppPayment> Payments => Set<AppPayment>();

    public DbSet<AppUser> Users => Set<AppUser>();

    public DbSet<AppPurchase> Purchases => Set<AppPurchase>();

    public DbSet<AppLogin> Logins => Set<AppLogin>();

    public DbSet<AppMember> Members => Set<AppMember>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<AppCustomer>(customer =>
        {
            customer.HasIndex(c => c.Email).IsUnique();
            customer.OwnsOne(c => c.Address);

            // Required FK: removing an order from a loaded customer's collection deletes it as an orphan, and deleting
            // the customer cascades to its (loaded) orders.
            customer.HasMany(c => c.Orders).WithOne(o => o.Customer).HasForeignKey(o => o.CustomerId)
                .IsRequired().OnDelete(DeleteBehavior.Cascade);
        });

        // An owned collection with a key of its own (SQLite generates a single integer key, not a composite one).
        modelBuilder.Entity<AppOrder>().OwnsMany(o => o.Lines, line =>
        {
            line.Property<int>("Id");
            line.HasKey("Id");
        });

        modelBuilder.Entity<AppProduct>().ComplexProperty(p => p.Price);

        // TPH: one table with a discriminator.
        modelBuilder.Entity<AppPayment>().HasDiscriminator<string>("Kind")
            .HasValue<AppPayment>("plain")
            .HasValue<CardPayment>("card")
            .HasValue<BankPayment>("bank");

        // Multi-tenant as fullstackhero's BaseDbContext makes it: a required shadow TenantId the app stamps at save.
        modelBuilder.Entity<AppMember>().Property<string>(AppMember.TenantId).IsRequired();

        modelBuilder.Entity<AppUser>(user =>
        {
            user.HasKey(u => u.Id);
            user.Property(u => u.Id).HasConversion(id => id.Value, v => new UserId(v)).ValueGeneratedNever();
            user.Property(u => u.ManagerId).HasConversion(id => id.Value, v => new UserId(v));
        });
    }
}

/// <summary>What the audit interceptor stamps.</summary>
public interface IAudited
{
    string? UpdatedBy { get; set; }

    DateTimeOffset? UpdatedAt { get; set; }
}

public sealed class AppCustomer : IAudited
{
    public int Id { get; set; }

    public string? Email { get; set; }

    public string? Name { get; set; }

    public string? LegacyId { get; set; }

    public string? UpdatedBy { get; set; }

    public DateTimeOffset? UpdatedAt { get; set; }

    /// <summary>Owned (OwnsOne): its columns live in the customer's table.</summary>
    public AppAddress? Address { get; set; }

    public List<AppOrder> Orders { get; } = [];
}

public sealed class AppAddress
{
    public string? City { get; set; }

    public string? Street { get; set; }

    /// <summary>Not mapped to a column: a map that watches c => c.Address.Note must fail at host start.</summary>
    [NotMapped]
    public string? Note { get; set; }
}

public sealed class AppOrder
{
    public int Id { get; set; }

    public decimal Total { get; set; }

    public int CustomerId { get; set; }

    public AppCustomer? Customer { get; set; }

    /// <summary>Owned collection (OwnsMany): a table of its own, keyed by the order.</summary>
    public List<AppOrderLine> Lines { get; } = [];
}

public sealed class AppOrderLine
{
    public string Sku { get; set; } = "";

    public int Quantity { get; set; }
}

/// <summary>Written by the application's audit interceptor, tracked by a map of its own.</summary>
public sealed class AuditEntry
{
    public int Id { get; set; }

    public string? Actor { get; set; }

    public string? EntityName { get; set; }

    public string? Action { get; set; }
}

public sealed class AppTodo
{
    public int Id { get; set; }

    public string? Title { get; set; }

    public string? OwnerEmail { get; set; }

    /// <summary>Optional: a map expression <c>x => x.Name!.Length</c> throws when it is null.</summary>
    public string? Name { get; set; }

    public bool Done { get; set; }

    public bool IsDeleted { get; set; }
}

public sealed class AppProduct
{
    public int Id { get; set; }

    public string? Sku { get; set; }

    public string? OwnerEmail { get; set; }

    /// <summary>An EF Core complex property: columns of the product's table, no key, no entry of its own.</summary>
    public AppMoney Price { get; set; } = new();
}

public sealed record AppMoney
{
    public decimal Amount { get; init; }

    public string Currency { get; init; } = "EUR";
}

/// <summary>TPH base, with a map of its own.</summary>
public class AppPayment
{
    public int Id { get; set; }

    public string? PayerEmail { get; set; }

    public decimal Amount { get; set; }
}

/// <summary>Derived, with a map of its own.</summary>
public sealed class CardPayment : AppPayment
{
    public string? Last4 { get; set; }
}

/// <summary>Derived, without a map: the base map applies.</summary>
public sealed class BankPayment : AppPayment
{
    public string? Iban { get; set; }
}

/// <summary>A strongly typed id, stored as its int through a value converter.</summary>
public readonly record struct UserId(int Value);

public sealed class AppUser
{
    public UserId Id { get; set; }

    public string? Name { get; set; }

    public UserId ManagerId { get; set; }
}

public sealed class AppPurchase
{
    public int Id { get; set; }

    public string? CustomerEmail { get; set; }

    public decimal Total { get; set; }

    public DateTimeOffset PlacedAt { get; set; }
}

/// <summary>Two identities of one person, aliased (no unique index: the same pair may be saved twice).</summary>
public sealed class AppLogin
{
    public int Id { get; set; }

    public string? LegacyId { get; set; }

    public string? Email { get; set; }
}

/// <summary>A member of one tenant: the same e-mail may be a member of several tenants.</summary>
public sealed class AppMember
{
    /// <summary>The shadow property that says whose member it is (stamped by <see cref="TenantStampInterceptor"/>).</summary>
    public const string TenantId = nameof(TenantId);

    public int Id { get; set; }

    public string? Email { get; set; }

    public DateTimeOffset JoinedAt { get; set; }
}

/// <summary>The acting user of a request: a scoped service of the application.</summary>
public interface ICurrentUser
{
    string? Email { get; }
}

/// <summary>The scoped <see cref="ICurrentUser"/>: a test sets who acts in its scope.</summary>
public sealed class CurrentUser : ICurrentUser
{
    public string? Email { get; set; }
}

/// <summary>A service the application never registers.</summary>
public interface ITenantAdmin
{
    string? Email { get; }
}
