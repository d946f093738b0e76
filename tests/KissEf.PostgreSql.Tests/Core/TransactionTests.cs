using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static KissEf.Tests.Support.SyncOrAsync;

namespace KissEf.Tests.Core;

/// <summary>Calls leave only after the transaction holding the change commits, in every transaction shape.</summary>
public sealed class TransactionTests
{
    /// <summary>Every delivery and API shape, on SQLite and on PostgreSQL.</summary>
    public static TheoryData<Provider, Delivery, bool> Modes
    {
        get
        {
            var modes = new TheoryData<Provider, Delivery, bool>();
            foreach (var provider in Providers.All)
            {
                foreach (var delivery in new[] { Delivery.Outbox, Delivery.Direct })
                {
                    modes.Add(provider, delivery, false);
                    modes.Add(provider, delivery, true);
                }
            }

            return modes;
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_single_statement_save_sends_its_call(Provider provider, Delivery delivery, bool async)
    {
        await using var host = await StartAsync(provider, delivery);
        using var scope = host.OpenScope();

        await AddCustomerAndSaveAsync(scope.Db, async, "ann");

        var call = Assert.Single(await host.FlushedCallsAsync());
        Assert.Equal("ann@example.com", call.Get("_p"));
        Assert.Equal(1, await CountCustomersAsync(host));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_multi_entity_save_in_EFs_own_transaction_sends_every_call(Provider provider, Delivery delivery, bool async)
    {
        await using var host = await StartAsync(provider, delivery);
        using var scope = host.OpenScope();

        scope.Db.Customers.AddRange(Customer("ann"), Customer("bob"), Customer("cy"));
        await SaveAsync(scope.Db, async);

        var calls = await host.FlushedCallsAsync();
        Assert.Equal(["ann@example.com", "bob@example.com", "cy@example.com"], calls.Select(c => c.Get("_p")).Order());
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_user_transaction_with_several_saves_sends_nothing_before_commit_and_everything_after(Provider provider, Delivery delivery, bool async)
    {
        await using var host = await StartAsync(provider, delivery);
        using var scope = host.OpenScope();
        var db = scope.Db;

        await using (var tx = await BeginAsync(db, async))
        {
            await AddCustomerAndSaveAsync(db, async, "ann");
            await AddCustomerAndSaveAsync(db, async, "bob");
            db.Customers.Single(c => c.Email == "ann@example.com").Plan = "pro";
            await SaveAsync(db, async);

            await AssertNothingCommittedYetAsync(host);

            await CommitAsync(tx, async);
        }

        var calls = await host.FlushedCallsAsync();
        Assert.Equal(3, calls.Count);
        Assert.Equal(["ann@example.com", "bob@example.com"], calls.Events("Signed Up").Select(c => c.Get("_p")).Order());
        var changed = Assert.Single(calls.Events("Changed Plan"));
        Assert.Equal("ann@example.com", changed.Get("_p"));
        Assert.Equal("pro", changed.Get("plan"));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_user_transaction_disposed_without_commit_sends_nothing(Provider provider, Delivery delivery, bool async)
    {
        await using var host = await StartAsync(provider, delivery);
        using (var scope = host.OpenScope())
        {
            var db = scope.Db;
            await using var tx = await BeginAsync(db, async);
            await AddCustomerAndSaveAsync(db, async, "ann");
            await AddCustomerAndSaveAsync(db, async, "bob");
        }

        // A later, committed save of another context is sent on its own.
        host.Add(Customer("cy"));

        var calls = await host.FlushedCallsAsync();
        var call = Assert.Single(calls);
        Assert.Equal("cy@example.com", call.Get("_p"));
        Assert.Single(host.Server.AllRequests);
        Assert.Equal(1, await CountCustomersAsync(host));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task An_explicit_rollback_sends_nothing_and_the_context_goes_on_tracking(Provider provider, Delivery delivery, bool async)
    {
        await using var host = await StartAsync(provider, delivery);
        using var scope = host.OpenScope();
        var db = scope.Db;

        await using (var tx = await BeginAsync(db, async))
        {
            await AddCustomerAndSaveAsync(db, async, "ann");
            await RollbackAsync(tx, async);
        }

        await host.FlushAsync();
        Assert.Empty(host.Server.AllRequests);
        Assert.Equal(0, await CountCustomersAsync(host));

        // The same context, after the rollback (its entities forgotten, as EF requires): only the new change leaves.
        db.ChangeTracker.Clear();
        await AddCustomerAndSaveAsync(db, async, "bob");

        var call = Assert.Single(await host.FlushedCallsAsync());
        Assert.Equal("bob@example.com", call.Get("_p"));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_failed_save_inside_a_user_transaction_drops_only_its_own_calls(Provider provider, Delivery delivery, bool async)
    {
        await using var host = await StartAsync(provider, delivery);
        using var scope = host.OpenScope();
        var db = scope.Db;

        await using (var tx = await BeginAsync(db, async))
        {
            await AddCustomerAndSaveAsync(db, async, "ann");

            // Fails on the unique e-mail; EF rolls back to its savepoint and the transaction goes on.
            var dave = Customer("dave");
            var duplicate = new ShopCustomer { Email = "ann@example.com", Plan = "duplicate" };
            db.Customers.AddRange(dave, duplicate);
            await Assert.ThrowsAsync<DbUpdateException>(() => SaveAsync(db, async));

            // The valid entity of the failed save is saved again, by the next save: its call must leave once.
            db.Entry(duplicate).State = EntityState.Detached;
            await AddCustomerAndSaveAsync(db, async, "cy");

            await AssertNothingCommittedYetAsync(host);
            await CommitAsync(tx, async);
        }

        var calls = await host.FlushedCallsAsync();
        Assert.Equal(
            ["ann@example.com", "cy@example.com", "dave@example.com"],
            calls.Select(c => c.Get("_p")).Order());
        Assert.DoesNotContain(calls, c => c.Get("plan") == "duplicate");
        Assert.Equal(3, await CountCustomersAsync(host));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_failed_save_outside_a_transaction_sends_nothing(Provider provider, Delivery delivery, bool async)
    {
        await using var host = await StartAsync(provider, delivery);
        host.Add(Customer("ann"));
        await host.FlushAsync();
        host.Server.Reset();

        using var scope = host.OpenScope();
        var db = scope.Db;

        // A single-statement save that fails.
        var lone = new ShopCustomer { Email = "ann@example.com", Plan = "duplicate" };
        db.Customers.Add(lone);
        await Assert.ThrowsAsync<DbUpdateException>(() => SaveAsync(db, async));
        db.Entry(lone).State = EntityState.Detached;

        // A multi-statement save that fails: its valid insert is rolled back with it.
        var dave = Customer("dave");
        var duplicate = new ShopCustomer { Email = "ann@example.com", Plan = "duplicate" };
        db.Customers.AddRange(dave, duplicate);
        await Assert.ThrowsAsync<DbUpdateException>(() => SaveAsync(db, async));

        await host.FlushAsync();
        Assert.Empty(host.Server.AllRequests);
        Assert.Equal(1, await CountCustomersAsync(host));

        // Saved again without the duplicate: dave's call leaves once.
        db.Entry(duplicate).State = EntityState.Detached;
        await SaveAsync(db, async);
        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/e", ("_p", "dave@example.com"), ("_n", "Signed Up"), ("plan", "basic"));
    }

    /// <summary>
    /// Nothing of an open transaction has left. Direct delivery: a flush sends nothing. Outbox: SQLite has one writer,
    /// and a flush claims rows with an UPDATE that would wait for the open transaction (up to the busy timeout), so
    /// the check reads what is committed to the outbox instead (nothing) and what reached the server (nothing).
    /// </summary>
    private static async Task AssertNothingCommittedYetAsync(TestHost host)
    {
        if (host.Delivery == Delivery.Direct)
        {
            await host.FlushAsync();
        }
        else
        {
            var state = await host.Services.GetRequiredService<IKissOutbox>().GetStateAsync();
            Assert.Equal(0, state.PendingCalls);
            Assert.Equal(0, state.PendingRows);
        }

        Assert.Empty(host.Server.AllRequests);
    }

    private static async Task<TestHost> StartAsync(Provider provider, Delivery delivery) => await TestHost.StartAsync(
        delivery,
        kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Signed Up").With("plan", x => x.Plan);
            c.OnChanged(x => x.Plan).Record("Changed Plan").With("plan", x => x.Plan);
        }),
        o => o.Provider = provider);

    private static ShopCustomer Customer(string name) => new() { Email = $"{name}@example.com", Plan = "basic" };

    /// <summary>Adds the customer <paramref name="name"/> and saves (with whatever else <paramref name="db"/> has pending).</summary>
    private static async Task AddCustomerAndSaveAsync(TestShopContext db, bool async, string name)
    {
        db.Customers.Add(Customer(name));
        await SaveAsync(db, async);
    }

    private static async Task<int> CountCustomersAsync(TestHost host)
    {
        using var scope = host.OpenScope();
        return await scope.Db.Customers.CountAsync();
    }
}
