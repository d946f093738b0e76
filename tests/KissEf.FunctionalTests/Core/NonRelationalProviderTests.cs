using KissEf.Internal.Capture;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KissEf.Tests.Core;

/// <summary>
/// A provider that is not relational cannot hold the outbox, which writes in the provider's transactions: the first
/// save is refused with a message that names the context and the fix. The tracker tells such a provider by the
/// relational services its provider registers (none for a non-relational one). The tests use relational providers
/// only, so the tracker is built here as EF builds it for a non-relational one: without those services, on a real
/// SQLite context.
/// </summary>
public sealed class NonRelationalProviderTests : IDisposable
{
    private readonly SqliteDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public void With_the_outbox_the_first_save_is_refused_naming_the_context_and_the_fix()
    {
        using var host = BuildHost(kiss => kiss.UseApiKey("key"));
        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TestShopContext>();

        var error = Assert.Throws<InvalidOperationException>(() => SaveThroughTrackerWithoutRelationalServices(db));

        Assert.Contains("needs a relational provider", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(TestShopContext), error.Message, StringComparison.Ordinal);
        Assert.Contains("UseDirectDelivery()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_delivery_without_a_table_is_accepted()
    {
        using var host = BuildHost(kiss => kiss.UseRecorder());
        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TestShopContext>();

        SaveThroughTrackerWithoutRelationalServices(db);
    }

    /// <summary>Starts a save of one new customer through a tracker built without the provider's relational services.</summary>
    private static void SaveThroughTrackerWithoutRelationalServices(TestShopContext db)
    {
        var tracker = new KissContextTracker(db.GetService<ICurrentDbContext>(), db.GetService<IDbContextOptions>(), relationalTypes: null);
        db.Customers.Add(new ShopCustomer { Email = "ann@example.com", Plan = "Gold" });
        tracker.SavingChanges(new DbContextEventData(null!, null!, db), default);
    }

    private IHost BuildHost(Action<KissTrackingBuilder> delivery)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddKissTracking(kiss =>
        {
            delivery(kiss);
            kiss.Entity<ShopCustomer>(c =>
            {
                c.HasIdentity(x => x.Email);
                c.OnAdded().Record("Signed Up");
            });
        });
        builder.Services.AddDbContext<TestShopContext>((sp, db) => db.UseSqlite(_database.ConnectionString).UseKissTracking(sp));
        return builder.Build();
    }
}
