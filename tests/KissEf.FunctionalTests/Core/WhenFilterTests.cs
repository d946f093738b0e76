using KissEf.Testing;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KissEf.Tests.Core;

/// <summary>
/// What a <c>When</c> filter sees (its XML doc and docs/maps.md say it): the entity object as the application holds it
/// when the calls are built, not the values as saved that With/Set read from EF's entry. A key the database generates
/// is not on the object yet when the outbox builds a save's calls (in the save's own transaction), and a deleted
/// entity's object keeps what the application last set, while its calls carry the row's original values.
/// </summary>
public sealed class WhenFilterTests
{
    [Theory]
    [InlineData(Delivery.Outbox, false)]
    [InlineData(Delivery.Direct, true)]
    public async Task A_filter_on_a_generated_key_sees_the_object_not_the_saved_value(Delivery delivery, bool filterSeesTheKey)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Signed Up").With("id", x => x.Id);
            c.OnAdded().When(x => x.Id != 0).Record("Has Key");
        }));

        host.Add(new ShopCustomer { Email = "ann@example.com" });

        var calls = await host.FlushedCallsAsync();
        CallAssert.Is(Assert.Single(calls.Events("Signed Up")), "/e", ("_p", "ann@example.com"), ("_n", "Signed Up"), ("id", "1"));
        Assert.Equal(filterSeesTheKey ? 1 : 0, calls.Events("Has Key").Count);
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task A_filter_on_a_deleted_entity_sees_the_object_while_its_call_carries_the_original_value(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnDeleted().When(x => x.Plan == "Pro").Record("Closed Pro Account").With("plan", x => x.Plan);
        }));
        host.Add(new ShopCustomer { Email = "ann@example.com", Plan = "Pro" }, new ShopCustomer { Email = "bob@example.com", Plan = "Free" });

        await host.WithContextAsync(async db =>
        {
            var customers = await db.Customers.OrderBy(c => c.Id).ToListAsync();

            // Ann is deleted as loaded; Bob's object is changed to "Pro" before his delete: the row still says "Free".
            customers[1].Plan = "Pro";
            db.Customers.RemoveRange(customers);
            await db.SaveChangesAsync();
        });

        var calls = await host.FlushedCallsAsync();
        Assert.Equal(2, calls.Count);
        CallAssert.Is(calls.Single(c => c.Get("_p") == "ann@example.com"), "/e", ("_p", "ann@example.com"), ("_n", "Closed Pro Account"), ("plan", "Pro"));
        CallAssert.Is(calls.Single(c => c.Get("_p") == "bob@example.com"), "/e", ("_p", "bob@example.com"), ("_n", "Closed Pro Account"), ("plan", "Free"));
    }

    [Fact]
    public async Task With_the_recorder_a_filter_on_a_generated_key_sees_the_key_as_direct_delivery_does()
    {
        using var database = new SqliteDatabase();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddKissTracking(kiss => kiss.UseRecorder().Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().When(x => x.Id != 0).Record("Has Key");
        }));
        builder.Services.AddDbContext<TestShopContext>((sp, db) => db.UseSqlite(database.ConnectionString).UseKissTracking(sp));
        using var host = builder.Build();
        await using (var scope = host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<TestShopContext>().Database.EnsureCreatedAsync();
        }

        await host.StartAsync();
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TestShopContext>();
            db.Customers.Add(new ShopCustomer { Email = "ann@example.com" });
            await db.SaveChangesAsync();
        }

        await host.StopAsync();
        Assert.Equal("Has Key", Assert.Single(host.Services.GetRequiredService<KissRecorder>().Calls).Name);
    }
}
