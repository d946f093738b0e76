using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.Core;

/// <summary>State lives per context and transaction: pooled contexts and concurrent contexts lose or leak nothing.</summary>
public sealed class ContextStateTests
{
    private const int Leases = 50;

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task Pooled_contexts_send_exactly_the_committed_calls_across_many_leases(Delivery delivery)
    {
        await using var host = await StartAsync(delivery, pool: true);
        var expected = new List<string>();
        for (var i = 0; i < Leases; i++)
        {
            using var scope = host.OpenScope();
            var db = scope.Db;
            switch (i)
            {
                case 20:
                    // Rolled back: nothing of it may leak into the next lease of this pooled instance.
                    await using (var tx = await db.Database.BeginTransactionAsync())
                    {
                        db.Customers.Add(Customer("rolled-back", "pool"));
                        await db.SaveChangesAsync();
                        await tx.RollbackAsync();
                    }

                    break;
                case 30:
                    // Transaction left open when the scope ends: the pool resets the context.
                    await db.Database.BeginTransactionAsync();
                    db.Customers.Add(Customer("abandoned", "pool"));
                    await db.SaveChangesAsync();
                    break;
                case 40:
                    // A failed save (duplicate e-mail of lease 0).
                    var duplicate = Customer("c0", "pool");
                    duplicate.Plan = "duplicate";
                    db.Customers.Add(duplicate);
                    Assert.Throws<DbUpdateException>(() => db.SaveChanges());
                    break;
                default:
                    var customer = Customer($"c{i}", "pool");
                    db.Customers.Add(customer);
                    if (i % 2 == 0)
                    {
                        db.SaveChanges();
                    }
                    else
                    {
                        await db.SaveChangesAsync();
                    }

                    expected.Add(customer.Email!);
                    break;
            }
        }

        // What the vendor counts: under load a direct attempt can time out after the server got it, and its retry repeats the URL.
        var calls = (await host.FlushedCallsAsync()).AsCounted();
        Assert.Equal(expected.Order(StringComparer.Ordinal), calls.Select(c => c.Get("_p")!).Order(StringComparer.Ordinal));
        Assert.Equal(Leases - 3, calls.Count);
        Assert.DoesNotContain(calls, c => c.Get("plan") == "duplicate");
        Assert.All(calls, c => CallAssert.Is(c, "/e", ("_p", c.Get("_p")!), ("_n", "Signed Up"), ("plan", "basic"), ("thread", "pool")));

        using var check = host.OpenScope();
        Assert.Equal(Leases - 3, await check.Db.Customers.CountAsync());
    }

    [Theory]
    [InlineData(Delivery.Outbox, false)]
    [InlineData(Delivery.Direct, false)]
    [InlineData(Delivery.Outbox, true)]
    [InlineData(Delivery.Direct, true)]
    public async Task Two_contexts_saving_concurrently_on_two_threads_lose_and_mix_nothing(Delivery delivery, bool pool)
    {
        const int perThread = 25;
        await using var host = await StartAsync(delivery, pool);
        using var start = new Barrier(2);

        async Task RunAsync(string thread)
        {
            using var scope = host.OpenScope();
            var db = scope.Db;
            start.SignalAndWait(TimeSpan.FromSeconds(10));
            for (var i = 0; i < perThread; i++)
            {
                var customer = Customer($"{thread}-{i}", thread);
                db.Customers.Add(customer);
                await db.SaveChangesAsync();

                // A change too, so that originals and modified state are in flight on both threads.
                customer.Plan = $"pro-{thread}";
                db.SaveChanges();
            }
        }

        await Task.WhenAll(Task.Run(() => RunAsync("left")), Task.Run(() => RunAsync("right")));

        // What the vendor counts: under load a direct attempt can time out after the server got it, and its retry repeats the URL.
        var calls = (await host.FlushedCallsAsync()).AsCounted();
        Assert.Equal(perThread * 2 * 2, calls.Count);
        foreach (var thread in new[] { "left", "right" })
        {
            var signedUp = calls.Events("Signed Up").Where(c => c.Get("thread") == thread).ToList();
            Assert.Equal(
                Enumerable.Range(0, perThread).Select(i => $"{thread}-{i}@example.com").Order(StringComparer.Ordinal),
                signedUp.Select(c => c.Get("_p")!).Order(StringComparer.Ordinal));
            var changed = calls.Events("Changed Plan").Where(c => c.Get("_p")!.StartsWith(thread + "-", StringComparison.Ordinal)).ToList();
            Assert.Equal(perThread, changed.Count);
            Assert.All(changed, c => CallAssert.Is(c, "/e", ("_p", c.Get("_p")!), ("_n", "Changed Plan"), ("plan", $"pro-{thread}"), ("previous plan", "basic")));
        }
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task A_host_with_a_pooled_context_starts_and_tracks(Delivery delivery)
    {
        await using var host = await StartAsync(delivery, pool: true, startPooled: true);

        host.Add(Customer("ann", "pool"));

        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/e", ("_p", "ann@example.com"), ("_n", "Signed Up"), ("plan", "basic"), ("thread", "pool"));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task A_pooled_context_that_only_used_its_Database_facade_goes_back_to_the_pool(Delivery delivery)
    {
        await using var host = await StartAsync(delivery, pool: true);

        // The first lease of a new pooled instance only touches the database facade, as a health check
        // (AddDbContextCheck: Database.CanConnectAsync) or a raw SQL command does. A web app gets new pooled
        // instances whenever requests overlap, so any request may be an instance's first lease.
        var scope = host.OpenScope();
        Assert.True(await scope.Db.Database.CanConnectAsync());
        Assert.Equal(0, await scope.Db.Database.ExecuteSqlRawAsync("UPDATE \"Customers\" SET \"Visits\" = 0 WHERE 0 = 1"));
        var returned = Record.Exception(scope.Dispose);
        Assert.Null(returned);

        host.Add(Customer("ann", "pool"));

        // The pooled instance is usable by the next lease, and tracking goes on.
        host.Add(Customer("bob", "pool"));
        var calls = await host.FlushedCallsAsync();
        Assert.Equal(["ann@example.com", "bob@example.com"], calls.Select(c => c.Get("_p")).Order());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task One_context_saving_again_and_again_with_change_detection_off_for_one_save_sends_each_saves_calls_once(bool pool)
    {
        await using var host = await StartAsync(Delivery.Outbox, pool);
        using (var scope = host.OpenScope())
        {
            var db = scope.Db;
            var ann = Customer("ann", "one");
            db.Customers.Add(ann);
            await db.SaveChangesAsync();

            // Without change detection the capture is taken when EF starts the save: the plan set through the entry is seen.
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            db.Entry(ann).Property(c => c.Plan).CurrentValue = "pro";
            db.Customers.Add(Customer("bob", "one"));
            await db.SaveChangesAsync();

            // Detection back on: a change made on the object is detected at the save, once.
            db.ChangeTracker.AutoDetectChangesEnabled = true;
            ann.Plan = "team";
            await db.SaveChangesAsync();

            // A save with nothing mapped changed in between sends nothing.
            await db.SaveChangesAsync();
        }

        var calls = (await host.FlushedCallsAsync()).AsCounted();
        Assert.Equal(["ann@example.com", "bob@example.com"], calls.Events("Signed Up").Select(c => c.Get("_p")).Order());
        Assert.Equal(
            [("pro", "basic"), ("team", "pro")],
            calls.Events("Changed Plan").Select(c => (c.Get("plan"), c.Get("previous plan"))).Order());
        Assert.Equal(4, calls.Count);
    }

    /// <summary>Starts a host, pooled or not (a pooled host starts like the others since the reset fix).</summary>
    private static Task<TestHost> StartAsync(Delivery delivery, bool pool, bool startPooled = true) => TestHost.StartAsync(
        delivery,
        kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Signed Up").With("plan", x => x.Plan).With("thread", x => x.Region);
            c.OnChanged(x => x.Plan).Record("Changed Plan").With("plan", x => x.Plan).WithOriginal("previous plan", x => x.Plan);
        }),
        o =>
        {
            o.Pool = pool;
            o.Start = !pool || startPooled;
        });

    private static ShopCustomer Customer(string name, string thread) => new() { Email = $"{name}@example.com", Plan = "basic", Region = thread };
}
