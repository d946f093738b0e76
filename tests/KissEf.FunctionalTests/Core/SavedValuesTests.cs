using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using static KissEf.Tests.Support.SyncOrAsync;

namespace KissEf.Tests.Core;

/// <summary>Values are the values as saved: a store-generated key is the real key, in every transaction shape.</summary>
public sealed class SavedValuesTests
{
    public enum Shape
    {
        /// <summary>Several inserts in one SaveChanges: EF's own transaction.</summary>
        ImplicitMultiStatement,

        /// <summary>One insert: EF runs it with no transaction.</summary>
        SingleStatement,

        /// <summary>Inserts in a transaction the user began, committed after the saves.</summary>
        UserTransaction,
    }

    public static TheoryData<Delivery, Shape, bool> Modes
    {
        get
        {
            var data = new TheoryData<Delivery, Shape, bool>();
            foreach (var delivery in Enum.GetValues<Delivery>())
            {
                foreach (var shape in Enum.GetValues<Shape>())
                {
                    data.Add(delivery, shape, false);
                    data.Add(delivery, shape, true);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_store_generated_key_as_identity_and_property_carries_the_real_key(Delivery delivery, Shape shape, bool async)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Id);
            c.OnAdded().Record("Signed Up").With("id", x => x.Id).With("email", x => x.Email);
            c.OnAdded().Set("customer id", x => x.Id);
        }));

        // Rows already in the table make keys start past 1, so a "1" cannot pass by luck.
        host.Add(new ShopCustomer { Email = "first@example.com" }, new ShopCustomer { Email = "second@example.com" });
        await host.FlushAsync();
        host.Server.Reset();

        var emails = shape == Shape.SingleStatement ? new[] { "ann@example.com" } : ["ann@example.com", "bob@example.com"];
        using (var scope = host.OpenScope())
        {
            var db = scope.Db;
            var tx = shape == Shape.UserTransaction ? await db.Database.BeginTransactionAsync() : null;
            foreach (var email in emails)
            {
                db.Customers.Add(new ShopCustomer { Email = email });
                if (shape == Shape.UserTransaction)
                {
                    await SaveAsync(db, async);
                }
            }

            if (tx is null)
            {
                await SaveAsync(db, async);
            }
            else
            {
                await using (tx)
                {
                    await CommitAsync(tx, async);
                }
            }
        }

        var calls = await host.FlushedCallsAsync();
        var keys = await KeysAsync(host);
        Assert.Equal(emails.Length * 2, calls.Count);
        foreach (var email in emails)
        {
            var id = keys[email].ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(keys[email] > 2, $"{email} got key {id}");
            var signedUp = Assert.Single(calls.Events("Signed Up"), c => c.Get("email") == email);
            CallAssert.Is(signedUp, "/e", ("_p", id), ("_n", "Signed Up"), ("id", id), ("email", email));
            var set = Assert.Single(calls.To("/s"), c => c.Get("_p") == id);
            CallAssert.Is(set, "/s", ("_p", id), ("customer id", id));
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_foreign_key_to_a_principal_inserted_in_the_same_save_carries_the_real_key(Delivery delivery, Shape shape, bool async)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopOrder>(o =>
        {
            o.HasIdentity(x => x.Reference);
            o.OnAdded().Record("Ordered").With("customer id", x => x.CustomerId).With("order id", x => x.Id);
        }));
        host.Add(new ShopCustomer { Email = "first@example.com" });

        using (var scope = host.OpenScope())
        {
            var db = scope.Db;
            await using var tx = shape == Shape.UserTransaction ? await db.Database.BeginTransactionAsync() : null;
            if (shape == Shape.SingleStatement)
            {
                // One insert: an order of the customer already saved (key 1); the order's own key is generated.
                db.Orders.Add(new ShopOrder { Reference = "O-1", Total = 1, CustomerId = 1 });
            }
            else
            {
                // The customer and its orders in one save: the orders' foreign key is the customer's new key.
                var ann = new ShopCustomer { Email = "ann@example.com" };
                ann.Orders.Add(new ShopOrder { Reference = "O-1", Total = 1 });
                ann.Orders.Add(new ShopOrder { Reference = "O-2", Total = 2 });
                db.Customers.Add(ann);
            }

            await SaveAsync(db, async);
            if (tx is not null)
            {
                await tx.CommitAsync();
            }
        }

        var calls = await host.FlushedCallsAsync();
        using var check = host.OpenScope();
        var orders = await check.Db.Orders.AsNoTracking().ToListAsync();
        Assert.Equal(shape == Shape.SingleStatement ? 1 : 2, calls.Count);
        foreach (var order in orders)
        {
            var call = Assert.Single(calls, c => c.Get("_p") == order.Reference);
            CallAssert.Is(
                call,
                "/e",
                ("_p", order.Reference!),
                ("_n", "Ordered"),
                ("customer id", order.CustomerId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("order id", order.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.Equal(shape == Shape.SingleStatement ? 1 : 2, order.CustomerId);
        }
    }

    private static async Task<Dictionary<string, int>> KeysAsync(TestHost host)
    {
        using var scope = host.OpenScope();
        return await scope.Db.Customers.AsNoTracking().ToDictionaryAsync(c => c.Email!, c => c.Id);
    }
}
