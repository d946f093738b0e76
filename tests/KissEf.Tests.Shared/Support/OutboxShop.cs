using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.Support;

// This file is compiled into both the test assembly and tests/KissEf.CrashHost (linked), so that the crash
// child process and the test that recovers after it share one model and one tracking map.

/// <summary>The tracked entity of the outbox tests.</summary>
public sealed class OutboxCustomer
{
    public int Id { get; set; }

    /// <summary>The KISSmetrics identity (<c>_p</c>); unique in the table, so a duplicate makes a save fail.</summary>
    public string Email { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    public int Score { get; set; }
}

/// <summary>A context tracked by KissEf (when its options say so) holding the customers and, by convention, the outbox.</summary>
public sealed class OutboxShopContext(DbContextOptions<OutboxShopContext> options) : DbContext(options)
{
    public DbSet<OutboxCustomer> Customers => Set<OutboxCustomer>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) => OutboxShop.ConfigureModel(modelBuilder);
}

/// <summary>The same customers table without KissEf: a database "created before KissEf was added".</summary>
public sealed class OutboxPlainShopContext(DbContextOptions<OutboxPlainShopContext> options) : DbContext(options)
{
    public DbSet<OutboxCustomer> Customers => Set<OutboxCustomer>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) => OutboxShop.ConfigureModel(modelBuilder);
}

/// <summary>The model and the tracking map shared by the outbox tests and the crash host.</summary>
public static class OutboxShop
{
    /// <summary>The API key every outbox test uses; it must never appear in an outbox row.</summary>
    public const string ApiKey = "outbox-SECRET-key-5f3c9a";

    public const string SignedUp = "Signed Up";

    public const string Scored = "Scored";

    public const string Imported = "Imported";

    /// <summary>When the backfilled customers "signed up": customer n at this time plus n seconds.</summary>
    public static readonly DateTimeOffset ImportEpoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static void ConfigureModel(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<OutboxCustomer>(c =>
        {
            c.ToTable("customers");
            c.HasIndex(x => x.Email).IsUnique();
        });
    }

    /// <summary>
    /// One call per added customer (<c>/e Signed Up</c> with its name) and one per score change (<c>/e Scored</c>
    /// with the new score).
    /// </summary>
    /// <summary>
    /// The backfill's map of the crash test: one dated call per existing customer (<c>/e Imported</c>), written a
    /// chunk of 100 rows at a time, slowly (200 calls a second), so that a process can be killed in the middle.
    /// </summary>
    public static KissTrackingBuilder MapCustomersForBackfill(this KissTrackingBuilder kiss)
    {
        ArgumentNullException.ThrowIfNull(kiss);
        return kiss
            .Entity<OutboxCustomer>(c =>
            {
                c.HasIdentity(x => x.Email);
                c.OnAdded().Record(Imported).With("name", x => x.Name).At(x => ImportEpoch.AddSeconds(x.Id));
            })
            .Configure(o =>
            {
                o.BackfillChunkSize = 100;
                o.BackfillCallsPerSecond = 200;
            });
    }

    public static KissTrackingBuilder MapCustomers(this KissTrackingBuilder kiss)
    {
        ArgumentNullException.ThrowIfNull(kiss);
        return kiss.Entity<OutboxCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record(SignedUp).With("name", x => x.Name);
            c.OnChanged(x => x.Score).Record(Scored).With("score", x => x.Score);
        });
    }
}
