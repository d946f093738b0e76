using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using static KissEf.Tests.Support.SyncOrAsync;

namespace KissEf.Tests.RealApps;

/// <summary>
/// Issue 7, item 3: members of owned types (OwnsOne, OwnsMany) and of EF complex properties are read as saved, can be
/// watched by OnChanged and WithOriginal through a member path, and a change inside an owned entity is a
/// modification of its owner.
/// </summary>
public sealed class OwnedAndComplexTypeTests
{
    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task OnChanged_of_an_owned_member_fires_when_only_it_changed_with_its_original(Delivery delivery, bool async)
    {
        await using var host = await AppHost.StartAsync(delivery, kiss => kiss.Entity<AppCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Signed Up").With("city", x => x.Address!.City);
            c.OnChanged(x => x.Address!.City).Record("Moved City")
                .With("city", x => x.Address!.City)
                .WithOriginal("previous city", x => x.Address!.City);
        }));
        using (var scope = host.OpenScope())
        {
            scope.Db.Customers.Add(new AppCustomer { Email = "ann@example.com", Address = new AppAddress { City = "Lyon", Street = "Rue A" } });
            await SaveAsync(scope.Db, async);
        }

        CallAssert.Is(Assert.Single(await host.FlushedCallsAsync()), "/e", ("_p", "ann@example.com"), ("_n", "Signed Up"), ("city", "Lyon"));
        host.Server.Reset();

        // Only the owned street: the city did not change.
        await ChangeAddressAsync(host, async, a => a.Street = "Rue B");
        await host.FlushAsync();
        Assert.Empty(host.Server.AllRequests);

        // Only the owned city: the customer's own columns are unchanged.
        await ChangeAddressAsync(host, async, a => a.City = "Paris");

        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/e", ("_p", "ann@example.com"), ("_n", "Moved City"), ("city", "Paris"), ("previous city", "Lyon"));
    }

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task OnChanged_of_the_whole_owned_reference_fires_when_any_of_its_members_changed(Delivery delivery, bool async)
    {
        await using var host = await AppHost.StartAsync(delivery, kiss => kiss.Entity<AppCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnChanged(x => x.Address).Record("Moved").With("street", x => x.Address!.Street).With("city", x => x.Address!.City);
        }));
        await host.AddAsync(new AppCustomer { Email = "ann@example.com", Name = "Ann", Address = new AppAddress { City = "Lyon", Street = "Rue A" } });

        await ChangeAddressAsync(host, async, a => a.Street = "Rue B");
        await ChangeAddressAsync(host, async, a => a.City = "Paris");

        // A change of the owner's own column is not a change of the address.
        using (var scope = host.OpenScope())
        {
            (await scope.Db.Customers.SingleAsync()).Name = "Annie";
            await SaveAsync(scope.Db, async);
        }

        var calls = await host.FlushedCallsAsync();
        Assert.True(calls.Count == 2, calls.Describe());
        CallAssert.Is(Assert.Single(calls, c => c.Get("city") == "Lyon"), "/e", ("_p", "ann@example.com"), ("_n", "Moved"), ("street", "Rue B"), ("city", "Lyon"));
        CallAssert.Is(Assert.Single(calls, c => c.Get("city") == "Paris"), "/e", ("_p", "ann@example.com"), ("_n", "Moved"), ("street", "Rue B"), ("city", "Paris"));
    }

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task OnModified_of_the_owner_fires_when_only_its_OwnsOne_entity_changed(Delivery delivery, bool async)
    {
        await using var host = await AppHost.StartAsync(delivery, kiss => kiss.Entity<AppCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnModified().Record("Customer Updated").With("city", x => x.Address!.City);
        }));
        await host.AddAsync(new AppCustomer { Email = "ann@example.com", Address = new AppAddress { City = "Lyon" } });

        await ChangeAddressAsync(host, async, a => a.City = "Paris");

        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/e", ("_p", "ann@example.com"), ("_n", "Customer Updated"), ("city", "Paris"));
    }

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task OnModified_of_the_owner_fires_when_an_OwnsMany_line_is_added_or_changed(Delivery delivery, bool async)
    {
        await using var host = await AppHost.StartAsync(delivery, kiss => kiss.Entity<AppOrder>(o =>
        {
            o.HasIdentity(x => x.Customer!.Email);
            o.OnModified().Record("Order Updated")
                .With("lines", x => x.Lines.Count)
                .With("quantity", x => x.Lines.Sum(l => l.Quantity));
        }));
        var ann = new AppCustomer { Email = "ann@example.com" };
        var order = new AppOrder { Customer = ann, Total = 12.5m };
        order.Lines.Add(new AppOrderLine { Sku = "A-1", Quantity = 1 });
        await host.AddAsync(ann, order);

        // A line added: the order's own columns are unchanged.
        await ChangeOrderAsync(host, async, o => o.Lines.Add(new AppOrderLine { Sku = "B-2", Quantity = 2 }));

        // A line's quantity changed.
        await ChangeOrderAsync(host, async, o => o.Lines.Single(l => l.Sku == "A-1").Quantity = 5);

        var calls = await host.FlushedCallsAsync();
        Assert.True(calls.Count == 2, calls.Describe());
        CallAssert.Is(Assert.Single(calls, c => c.Get("quantity") == "3"), "/e", ("_p", "ann@example.com"), ("_n", "Order Updated"), ("lines", "2"), ("quantity", "3"));
        CallAssert.Is(Assert.Single(calls, c => c.Get("quantity") == "7"), "/e", ("_p", "ann@example.com"), ("_n", "Order Updated"), ("lines", "2"), ("quantity", "7"));
    }

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task A_complex_property_member_is_read_as_saved_and_OnChanged_fires_for_it(Delivery delivery, bool async)
    {
        await using var host = await AppHost.StartAsync(delivery, kiss => kiss.Entity<AppProduct>(p =>
        {
            p.HasIdentity(x => x.OwnerEmail);
            p.OnAdded().Record("Listed").With("price", x => x.Price.Amount).With("currency", x => x.Price.Currency);
            p.OnChanged(x => x.Price.Amount).Record("Repriced")
                .With("price", x => x.Price.Amount)
                .WithOriginal("previous price", x => x.Price.Amount);
        }));
        using (var scope = host.OpenScope())
        {
            scope.Db.Products.Add(new AppProduct { Sku = "P-1", OwnerEmail = "shop@example.com", Price = new AppMoney { Amount = 19.9m, Currency = "EUR" } });
            await SaveAsync(scope.Db, async);
        }

        CallAssert.Is(
            Assert.Single(await host.FlushedCallsAsync()),
            "/e",
            ("_p", "shop@example.com"),
            ("_n", "Listed"),
            ("price", "19.9"),
            ("currency", "EUR"));
        host.Server.Reset();

        // The currency alone: not a change of the amount.
        await ChangeProductAsync(host, async, p => p.Price = p.Price with { Currency = "USD" });
        await host.FlushAsync();
        Assert.Empty(host.Server.AllRequests);

        await ChangeProductAsync(host, async, p => p.Price = p.Price with { Amount = 24.5m });

        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/e", ("_p", "shop@example.com"), ("_n", "Repriced"), ("price", "24.5"), ("previous price", "19.9"));
    }

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task Replacing_the_owned_value_object_is_a_change_of_its_members_with_their_originals(Delivery delivery, bool async)
    {
        // DDD style: an immutable value object is replaced, not mutated.
        await using var host = await AppHost.StartAsync(delivery, kiss => kiss.Entity<AppCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnChanged(x => x.Address!.City).Record("Moved City")
                .With("city", x => x.Address!.City)
                .WithOriginal("previous city", x => x.Address!.City);
            c.OnModified().Record("Customer Updated");
        }));
        await host.AddAsync(new AppCustomer { Email = "ann@example.com", Address = new AppAddress { City = "Lyon", Street = "Rue A" } });

        using (var scope = host.OpenScope())
        {
            var ann = await scope.Db.Customers.SingleAsync();
            ann.Address = new AppAddress { City = "Paris", Street = "Rue A" };
            await SaveAsync(scope.Db, async);
        }

        var calls = await host.FlushedCallsAsync();
        Assert.True(calls.Count == 2, calls.Describe());
        CallAssert.Is(Assert.Single(calls.Events("Moved City")), "/e", ("_p", "ann@example.com"), ("_n", "Moved City"), ("city", "Paris"), ("previous city", "Lyon"));
        CallAssert.Is(Assert.Single(calls.Events("Customer Updated")), "/e", ("_p", "ann@example.com"), ("_n", "Customer Updated"));
    }

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task OnModified_of_the_owner_fires_when_an_OwnsMany_line_is_removed(Delivery delivery, bool async)
    {
        await using var host = await AppHost.StartAsync(delivery, kiss => kiss.Entity<AppOrder>(o =>
        {
            o.HasIdentity(x => x.Customer!.Email);
            o.OnModified().Record("Order Updated").With("lines", x => x.Lines.Count);
        }));
        var ann = new AppCustomer { Email = "ann@example.com" };
        var order = new AppOrder { Customer = ann, Total = 12.5m };
        order.Lines.Add(new AppOrderLine { Sku = "A-1", Quantity = 1 });
        order.Lines.Add(new AppOrderLine { Sku = "B-2", Quantity = 2 });
        await host.AddAsync(ann, order);

        await ChangeOrderAsync(host, async, o => o.Lines.RemoveAll(l => l.Sku == "A-1"));

        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/e", ("_p", "ann@example.com"), ("_n", "Order Updated"), ("lines", "1"));

        // The line's row is gone: the save did modify the order's owned data.
        await using var check = new AppShopContext(new DbContextOptionsBuilder<AppShopContext>().UseSqlite(host.Database.ConnectionString).Options);
        Assert.Equal(["B-2"], (await check.Orders.SingleAsync()).Lines.Select(l => l.Sku));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task A_watched_owned_member_that_is_not_mapped_fails_the_host_start_naming_entity_path_and_rule(Delivery delivery)
    {
        // The path's shape is fine (a member path); only the EF model can tell that Note has no column.
        await using var host = await AppHost.StartAsync(
            delivery,
            kiss => kiss.Entity<AppCustomer>(c =>
            {
                c.HasIdentity(x => x.Email);
                c.OnChanged(x => x.Address!.Note).Record("Noted");
            }),
            o => o.Start = false);

        var error = await Assert.ThrowsAsync<KissMappingException>(host.StartHostAsync);

        Assert.Contains(nameof(AppCustomer), error.Message, StringComparison.Ordinal);
        Assert.Contains("Address.Note", error.Message, StringComparison.Ordinal);
        Assert.Contains("not a mapped", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task ChangeAddressAsync(AppHost host, bool async, Action<AppAddress> change)
    {
        using var scope = host.OpenScope();
        var customer = await scope.Db.Customers.SingleAsync();
        change(customer.Address!);
        await SaveAsync(scope.Db, async);
    }

    private static async Task ChangeOrderAsync(AppHost host, bool async, Action<AppOrder> change)
    {
        using var scope = host.OpenScope();
        var order = await scope.Db.Orders.Include(o => o.Customer).SingleAsync();
        change(order);
        await SaveAsync(scope.Db, async);
    }

    private static async Task ChangeProductAsync(AppHost host, bool async, Action<AppProduct> change)
    {
        using var scope = host.OpenScope();
        var product = await scope.Db.Products.SingleAsync();
        change(product);
        await SaveAsync(scope.Db, async);
    }
}
