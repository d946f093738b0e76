using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using static KissEf.Tests.Support.SyncOrAsync;

namespace KissEf.Tests.RealApps;

/// <summary>
/// Issue 7, item 6: dependents EF itself deletes in the save (cascade of loaded dependents, immediately or at
/// SaveChanges; orphans removed from a loaded collection) fire their own OnDeleted, with their values as they were,
/// the identity read through the navigation to the deleted principal included.
/// </summary>
public sealed class CascadeDeleteTests
{
    public static TheoryData<CascadeTiming, Delivery, bool> CascadeCases
    {
        get
        {
            var data = new TheoryData<CascadeTiming, Delivery, bool>();
            foreach (var timing in new[] { CascadeTiming.Immediate, CascadeTiming.OnSaveChanges })
            {
                foreach (var delivery in Enum.GetValues<Delivery>())
                {
                    data.Add(timing, delivery, false);
                    data.Add(timing, delivery, true);
                }
            }

            return data;
        }
    }

    public static TheoryData<CascadeTiming, Delivery, bool> OrphanCases => CascadeCases;

    [Theory]
    [MemberData(nameof(CascadeCases))]
    public async Task Deleting_a_customer_with_loaded_orders_fires_each_orders_OnDeleted_with_its_values(CascadeTiming timing, Delivery delivery, bool async)
    {
        await using var host = await StartAsync(delivery);
        var (first, second) = await SeedAsync(host);

        using (var scope = host.OpenScope())
        {
            var db = scope.Db;
            db.ChangeTracker.CascadeDeleteTiming = timing;
            var ann = await db.Customers.Include(c => c.Orders).SingleAsync(c => c.Email == "ann@example.com");
            db.Remove(ann);
            await SaveAsync(db, async);
        }

        var calls = await host.FlushedCallsAsync();
        Assert.True(calls.Count == 3, calls.Describe());
        CallAssert.Is(Assert.Single(calls.Events("Closed Account")), "/e", ("_p", "ann@example.com"), ("_n", "Closed Account"));
        var removed = calls.Events("Order Removed");
        CallAssert.Is(Assert.Single(removed, c => c.Get("order id") == first), "/e", ("_p", "ann@example.com"), ("_n", "Order Removed"), ("order id", first), ("total", "12.5"));
        CallAssert.Is(Assert.Single(removed, c => c.Get("order id") == second), "/e", ("_p", "ann@example.com"), ("_n", "Order Removed"), ("order id", second), ("total", "30.25"));

        Assert.Equal(0, await CountAsync(host));
        Assert.Empty(host.Logs.WithEventId(1003));
    }

    [Theory]
    [MemberData(nameof(OrphanCases))]
    public async Task An_order_removed_from_a_loaded_customers_collection_is_deleted_as_an_orphan_and_fires_OnDeleted(CascadeTiming timing, Delivery delivery, bool async)
    {
        await using var host = await StartAsync(delivery);
        var (first, _) = await SeedAsync(host);

        using (var scope = host.OpenScope())
        {
            var db = scope.Db;
            db.ChangeTracker.DeleteOrphansTiming = timing;
            var ann = await db.Customers.Include(c => c.Orders).SingleAsync(c => c.Email == "ann@example.com");
            ann.Orders.Remove(ann.Orders.Single(o => o.Total == 12.5m));
            await SaveAsync(db, async);
        }

        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/e", ("_p", "ann@example.com"), ("_n", "Order Removed"), ("order id", first), ("total", "12.5"));
        Assert.Equal(1, await CountAsync(host));
        Assert.Empty(host.Logs.WithEventId(1003));
    }

    private static Task<AppHost> StartAsync(Delivery delivery) => AppHost.StartAsync(delivery, kiss => kiss
        .Entity<AppCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnDeleted().Record("Closed Account");
        })
        .Entity<AppOrder>(o =>
        {
            o.HasIdentity(x => x.Customer!.Email);
            o.OnDeleted().Record("Order Removed").With("order id", x => x.Id).With("total", x => x.Total);
        }));

    /// <summary>Ann with two orders; returns the orders' ids as sent.</summary>
    private static async Task<(string First, string Second)> SeedAsync(AppHost host)
    {
        var ann = new AppCustomer { Email = "ann@example.com" };
        var first = new AppOrder { Customer = ann, Total = 12.5m };
        var second = new AppOrder { Customer = ann, Total = 30.25m };
        await host.AddAsync(ann, first, second);
        await host.FlushAndResetAsync();
        return (first.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), second.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static async Task<int> CountAsync(AppHost host)
    {
        await using var check = new AppShopContext(new DbContextOptionsBuilder<AppShopContext>().UseSqlite(host.Database.ConnectionString).Options);
        return await check.Orders.CountAsync();
    }
}
