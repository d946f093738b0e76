using System.Globalization;
using KissEf.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static KissEf.Tests.Support.SyncOrAsync;

namespace KissEf.Tests.RealApps;

/// <summary>
/// Issue 7, item 5: the vendor counts two events with the same (_p, _n, _t) once, and two sets of one property for the
/// same _p and _t once. Within a save, and within the same second of one process, the n-th duplicate of such a key is
/// sent with _t + n, fixed when the call is created (a retry sends the same _t); aliases are not shifted. The clock is
/// pinned with a FakeTimeProvider registered before AddKissTracking (flushed before it moves, as docs/values-and-validation.md says).
/// </summary>
public sealed class SameSecondTests
{
    private static readonly DateTimeOffset SaveTime = new(2026, 6, 1, 10, 0, 0, 250, TimeSpan.Zero);

    public static TheoryData<Delivery, bool, int> PurchaseCases
    {
        get
        {
            var data = new TheoryData<Delivery, bool, int>();
            foreach (var delivery in Enum.GetValues<Delivery>())
            {
                data.Add(delivery, false, 2);
                data.Add(delivery, true, 3);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(PurchaseCases))]
    public async Task Distinct_purchases_of_one_customer_in_one_save_are_sent_with_consecutive_seconds(Delivery delivery, bool async, int count)
    {
        var clock = new FakeTimeProvider(SaveTime);
        await using var host = await StartAsync(delivery, clock, sets: false);

        using (var scope = host.OpenScope())
        {
            for (var i = 0; i < count; i++)
            {
                scope.Db.Purchases.Add(new AppPurchase { CustomerEmail = "ann@example.com", Total = 10.5m + i });
            }

            // Another person in the same second is another key: not shifted.
            scope.Db.Purchases.Add(new AppPurchase { CustomerEmail = "bob@example.com", Total = 99.5m });
            await SaveAsync(scope.Db, async);
        }

        var calls = await host.FlushedCallsAsync();
        var ann = calls.Events("Purchased").Where(c => c.Get("_p") == "ann@example.com").ToList();
        Assert.Equal(count, ann.Count);
        Assert.Equal(Seconds(0, count), ann.Select(c => c.Get("_t")).Order(StringComparer.Ordinal));
        Assert.Equal(CallAssert.UnixSeconds(SaveTime), Assert.Single(calls.Events("Purchased"), c => c.Get("_p") == "bob@example.com").Get("_t"));

        // Each purchase once, with its own amount.
        Assert.Equal(Enumerable.Range(0, count).Select(i => (10.5m + i).ToString(CultureInfo.InvariantCulture)), ann.Select(c => c.Get("amount")).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task Two_sets_of_one_property_for_one_person_in_one_save_leave_the_later_value_at_the_later_second(Delivery delivery, bool async)
    {
        var clock = new FakeTimeProvider(SaveTime);
        await using var host = await StartAsync(delivery, clock, sets: true);

        using (var scope = host.OpenScope())
        {
            scope.Db.Purchases.Add(new AppPurchase { CustomerEmail = "ann@example.com", Total = 10.5m });
            await SaveAsync(scope.Db, async);
        }

        var sets = (await host.FlushedCallsAsync()).To("/s");
        Assert.Equal(2, sets.Count);
        CallAssert.Is(Assert.Single(sets, c => c.Get("_t") == CallAssert.UnixSeconds(SaveTime)), "/s", ("_p", "ann@example.com"), ("last purchase", "10.5"));

        // The later value: the second set of the same property at the same second.
        CallAssert.Is(Assert.Single(sets, c => c.Get("_t") == CallAssert.UnixSeconds(SaveTime.AddSeconds(1))), "/s", ("_p", "ann@example.com"), ("last purchase", "paid"));
    }

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task The_rule_holds_across_two_saves_in_the_same_second_and_a_later_second_starts_again(Delivery delivery, bool async)
    {
        var clock = new FakeTimeProvider(SaveTime);
        await using var host = await StartAsync(delivery, clock, sets: false);

        await PurchaseAsync(host, async, 10.5m);
        await PurchaseAsync(host, async, 20.5m);

        // docs/values-and-validation.md ("Time"): flush before the clock moves.
        await host.FlushAsync();
        clock.Advance(TimeSpan.FromMinutes(1));
        await PurchaseAsync(host, async, 30.5m);

        var calls = (await host.FlushedCallsAsync()).Events("Purchased");
        Assert.Equal(3, calls.Count);
        Assert.Equal(CallAssert.UnixSeconds(SaveTime), Assert.Single(calls, c => c.Get("amount") == "10.5").Get("_t"));
        Assert.Equal(CallAssert.UnixSeconds(SaveTime.AddSeconds(1)), Assert.Single(calls, c => c.Get("amount") == "20.5").Get("_t"));
        Assert.Equal(CallAssert.UnixSeconds(SaveTime.AddMinutes(1)), Assert.Single(calls, c => c.Get("amount") == "30.5").Get("_t"));
    }

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task Aliases_are_not_shifted(Delivery delivery, bool async)
    {
        var clock = new FakeTimeProvider(SaveTime);
        await using var host = await StartAsync(delivery, clock, sets: false);

        using (var scope = host.OpenScope())
        {
            scope.Db.Logins.AddRange(
                new AppLogin { LegacyId = "L-1", Email = "ann@example.com" },
                new AppLogin { LegacyId = "L-1", Email = "ann@example.com" });
            scope.Db.Purchases.AddRange(
                new AppPurchase { CustomerEmail = "L-1", Total = 1.5m },
                new AppPurchase { CustomerEmail = "L-1", Total = 2.5m });
            await SaveAsync(scope.Db, async);
        }

        var calls = await host.FlushedCallsAsync();
        var aliases = calls.To("/a");
        Assert.NotEmpty(aliases);
        Assert.All(aliases, c => CallAssert.Is(c, "/a", ("_p", "L-1"), ("_n", "ann@example.com")));
        Assert.All(aliases, c => Assert.Equal(CallAssert.UnixSeconds(SaveTime), c.Get("_t")));

        // Control: the events of the same save and person are shifted.
        Assert.Equal(Seconds(0, 2), calls.Events("Purchased").Select(c => c.Get("_t")).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task A_retried_delivery_sends_the_same_shifted_seconds(Delivery delivery)
    {
        // The system clock: retries wait on it. Within one save the rule does not depend on the clock.
        await using var host = await AppHost.StartAsync(delivery, kiss => kiss.Entity<AppPurchase>(p =>
        {
            p.HasIdentity(x => x.CustomerEmail);
            p.OnAdded().Record("Purchased").With("amount", x => x.Total);
        }));
        host.Server.FailNext(2, 503);

        using (var scope = host.OpenScope())
        {
            scope.Db.Purchases.AddRange(
                new AppPurchase { CustomerEmail = "ann@example.com", Total = 10.5m },
                new AppPurchase { CustomerEmail = "ann@example.com", Total = 20.5m });
            await scope.Db.SaveChangesAsync();
        }

        // The outbox's FlushAsync does not wait for a row that is due later: wait for the retries to be delivered.
        await host.Server.WaitForCallsAsync(2, TimeSpan.FromSeconds(30));
        var delivered = await host.FlushedCallsAsync();
        Assert.Equal(2, delivered.Count);
        var seconds = delivered.Select(c => long.Parse(c.Get("_t")!, CultureInfo.InvariantCulture)).Order().ToArray();
        Assert.Equal(seconds[0] + 1, seconds[1]);

        // Every attempt of a purchase carried the _t it was delivered with.
        var failed = host.Server.AllRequests.Where(r => r.StatusCode == 503).ToList();
        Assert.Equal(2, failed.Count);
        foreach (var attempt in failed)
        {
            var success = Assert.Single(delivered, c => c.Get("amount") == attempt.Get("amount"));
            Assert.Equal(success.Get("_t"), attempt.Get("_t"));
        }
    }

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task Sets_of_one_property_from_two_entities_of_one_person_in_one_save_are_both_sent_at_consecutive_seconds(Delivery delivery, bool async)
    {
        var clock = new FakeTimeProvider(SaveTime);
        await using var host = await StartAsync(delivery, clock, sets: null);

        using (var scope = host.OpenScope())
        {
            scope.Db.Purchases.AddRange(
                new AppPurchase { CustomerEmail = "ann@example.com", Total = 10.5m },
                new AppPurchase { CustomerEmail = "ann@example.com", Total = 20.5m });
            await SaveAsync(scope.Db, async);
        }

        var sets = (await host.FlushedCallsAsync()).To("/s");
        Assert.Equal(2, sets.Count);
        Assert.Equal(["10.5", "20.5"], sets.Select(c => c.Get("last purchase")).Order(StringComparer.Ordinal));
        Assert.Equal(Seconds(0, 2), sets.Select(c => c.Get("_t")).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task Events_dated_by_At_in_the_same_second_are_shifted_too(Delivery delivery)
    {
        var clock = new FakeTimeProvider(SaveTime);
        await using var host = await AppHost.StartAsync(
            delivery,
            kiss => kiss.Entity<AppPurchase>(p =>
            {
                p.HasIdentity(x => x.CustomerEmail);
                p.OnAdded().Record("Purchased").With("amount", x => x.Total).At(x => x.PlacedAt);
            }),
            o => o.Services = services => services.AddSingleton<TimeProvider>(clock));
        var placed = new DateTimeOffset(2025, 12, 24, 18, 30, 0, TimeSpan.Zero);

        await host.AddAsync(
            new AppPurchase { CustomerEmail = "ann@example.com", Total = 10.5m, PlacedAt = placed },
            new AppPurchase { CustomerEmail = "ann@example.com", Total = 20.5m, PlacedAt = placed.AddMilliseconds(400) });

        var calls = (await host.FlushedCallsAsync()).Events("Purchased");
        Assert.Equal(
            [CallAssert.UnixSeconds(placed), CallAssert.UnixSeconds(placed.AddSeconds(1))],
            calls.Select(c => c.Get("_t")).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task A_shifted_second_is_not_given_again_to_an_event_of_the_next_second(Delivery delivery, bool async)
    {
        var clock = new FakeTimeProvider(SaveTime);
        await using var host = await StartAsync(delivery, clock, sets: false);
        using (var scope = host.OpenScope())
        {
            scope.Db.Purchases.AddRange(
                new AppPurchase { CustomerEmail = "ann@example.com", Total = 10.5m },
                new AppPurchase { CustomerEmail = "ann@example.com", Total = 20.5m });
            await SaveAsync(scope.Db, async);
        }

        // The next second: its own second is already taken by the shifted purchase above.
        await host.FlushAsync();
        clock.Advance(TimeSpan.FromSeconds(1));
        await PurchaseAsync(host, async, 30.5m);

        var calls = (await host.FlushedCallsAsync()).Events("Purchased");
        Assert.Equal(3, calls.Count);
        Assert.Equal(3, calls.Select(c => c.Get("_t")).Distinct().Count());
    }

    // sets: false: an event per purchase; true: two sets of one property per purchase; null: one set per purchase.
    private static Task<AppHost> StartAsync(Delivery delivery, FakeTimeProvider clock, bool? sets) => AppHost.StartAsync(
        delivery,
        kiss => kiss
            .Entity<AppPurchase>(p =>
            {
                p.HasIdentity(x => x.CustomerEmail);
                if (sets is null)
                {
                    p.OnAdded().Set("last purchase", x => x.Total);
                }
                else if (sets.Value)
                {
                    // Two sets of one property from one save: the amount first, then the status.
                    p.OnAdded().Set("last purchase", x => x.Total);
                    p.OnAdded().Set("last purchase", x => "paid");
                }
                else
                {
                    p.OnAdded().Record("Purchased").With("amount", x => x.Total);
                }
            })
            .Entity<AppLogin>(l =>
            {
                l.HasIdentity(x => x.Email);
                l.Alias(x => x.LegacyId, x => x.Email);
            }),
        o => o.Services = services => services.AddSingleton<TimeProvider>(clock));

    private static async Task PurchaseAsync(AppHost host, bool async, decimal total)
    {
        using var scope = host.OpenScope();
        scope.Db.Purchases.Add(new AppPurchase { CustomerEmail = "ann@example.com", Total = total });
        await SaveAsync(scope.Db, async);
    }

    /// <summary><paramref name="count"/> consecutive Unix seconds from the save time + <paramref name="first"/>, as text.</summary>
    private static IEnumerable<string> Seconds(int first, int count)
        => Enumerable.Range(first, count).Select(i => CallAssert.UnixSeconds(SaveTime.AddSeconds(i))).Order(StringComparer.Ordinal);
}
