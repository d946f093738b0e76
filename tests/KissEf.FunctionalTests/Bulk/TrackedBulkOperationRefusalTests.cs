using KissEf.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KissEf.Tests.Bulk;

/// <summary>
/// What a tracked bulk operation refuses, with a message that says why and what to do, before any row changes: an
/// entity whose key is not one property (the chunks are paged by it), and a context not set up with UseKissTracking.
/// </summary>
public sealed class TrackedBulkOperationRefusalTests : IDisposable
{
    private readonly SqliteDatabase _database = new();

    [Fact]
    public async Task An_entity_with_a_composite_key_is_refused_and_no_row_changes()
    {
        using var host = await StartAsync(tracked: true);
        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SeatContext>();

        var error = await Assert.ThrowsAsync<NotSupportedException>(() => db.Seats.ExecuteUpdateTrackedAsync(s => s.SetProperty(x => x.Holder, "bob")));

        Assert.Contains("Seat", error.Message, StringComparison.Ordinal);
        Assert.Contains("a key of 2 properties", error.Message, StringComparison.Ordinal);
        Assert.Contains("SaveChanges", error.Message, StringComparison.Ordinal);
        Assert.Equal("ann", await db.Seats.AsNoTracking().Select(s => s.Holder).SingleAsync());
    }

    [Fact]
    public async Task A_context_without_UseKissTracking_is_refused_with_the_way_out()
    {
        using var host = await StartAsync(tracked: false);
        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SeatContext>();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => db.Seats.ExecuteDeleteTrackedAsync());

        Assert.Contains("SeatContext is not set up with UseKissTracking()", error.Message, StringComparison.Ordinal);
        Assert.Contains("ExecuteDelete for a statement KissEf does not track", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, await db.Seats.CountAsync());
    }

    public void Dispose() => _database.Dispose();

    private async Task<IHost> StartAsync(bool tracked)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddKissTracking(kiss => kiss.UseDryRun().Entity<Seat>(s =>
        {
            s.HasIdentity(x => x.Holder);
            s.OnModified().Record("Seat Changed");
            s.OnDeleted().Record("Seat Freed");
        }));
        builder.Services.AddDbContext<SeatContext>((sp, db) =>
        {
            db.UseSqlite(_database.ConnectionString);
            if (tracked)
            {
                db.UseKissTracking(sp);
            }
        });
        var host = builder.Build();
        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SeatContext>();
        await db.Database.EnsureCreatedAsync();
        db.Seats.Add(new Seat { Row = 1, Number = 1, Holder = "ann" });
        await db.SaveChangesAsync();
        return host;
    }

    /// <summary>A seat, keyed by its row and number.</summary>
    public sealed class Seat
    {
        public int Row { get; set; }

        public int Number { get; set; }

        public string Holder { get; set; } = string.Empty;
    }

    /// <summary>The seats.</summary>
    public sealed class SeatContext(DbContextOptions<SeatContext> options) : DbContext(options)
    {
        public DbSet<Seat> Seats => Set<Seat>();

        protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.Entity<Seat>().HasKey(s => new { s.Row, s.Number });
    }
}
