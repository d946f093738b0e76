using KissEf.Internal.Bulk;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Tests.Bulk;

/// <summary>
/// A tracked bulk operation compares two readings of a row as a save would: by each mapped value, owned and complex
/// values member by member, leaving out what the database changes at every update.
/// </summary>
public sealed class KissRowValuesTests
{
    private static readonly IEntityType Ticket = Model().FindEntityType(typeof(RowTicket))!;

    [Fact]
    public void Two_readings_with_the_same_values_are_the_same_row_state()
        => Assert.True(KissRowValues.Same(Ticket, NewTicket(), NewTicket()));

    [Fact]
    public void A_changed_property_an_owned_value_or_a_complex_value_is_a_change()
    {
        Assert.False(KissRowValues.Same(Ticket, NewTicket(), NewTicket(t => t.Title = "other")));
        Assert.False(KissRowValues.Same(Ticket, NewTicket(), NewTicket(t => t.Place.City = "Lyon")));
        Assert.False(KissRowValues.Same(Ticket, NewTicket(), NewTicket(t => t.Price = new RowPrice { Amount = 2m, Currency = "EUR" })));
    }

    [Fact]
    public void A_value_the_database_makes_at_every_update_is_not_a_change()
        => Assert.True(KissRowValues.Same(Ticket, NewTicket(), NewTicket(t => t.Version = 99)));

    private static RowTicket NewTicket(Action<RowTicket>? change = null)
    {
        var ticket = new RowTicket { Id = 1, Title = "t", Version = 1, Place = new RowPlace { City = "Paris" }, Price = new RowPrice { Amount = 1m, Currency = "EUR" } };
        change?.Invoke(ticket);
        return ticket;
    }

    private static IModel Model()
    {
        using var db = new RowContext(new DbContextOptionsBuilder<RowContext>().UseSqlite("Data Source=:memory:").Options);
        return db.Model;
    }

    public sealed class RowTicket
    {
        public int Id { get; set; }

        public string Title { get; set; } = string.Empty;

        public long Version { get; set; }

        public RowPlace Place { get; set; } = new();

        public RowPrice Price { get; set; } = new();
    }

    public sealed class RowPlace
    {
        public string City { get; set; } = string.Empty;
    }

    public sealed class RowPrice
    {
        public decimal Amount { get; set; }

        public string Currency { get; set; } = string.Empty;
    }

    private sealed class RowContext(DbContextOptions<RowContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
            => modelBuilder.Entity<RowTicket>(t =>
            {
                t.Property(x => x.Version).ValueGeneratedOnAddOrUpdate().IsConcurrencyToken();
                t.OwnsOne(x => x.Place);
                t.ComplexProperty(x => x.Price);
            });
    }
}
