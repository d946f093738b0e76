using KissEf.Tests.Support;

namespace KissEf.Tests.Core;

/// <summary>Each verb of a map produces exactly the expected request at the tracking host, in both deliveries.</summary>
public sealed class VerbTests
{
    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task OnAdded_Record_With_sends_one_event_with_its_properties(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Signed Up").With("plan", x => x.Plan).With("gender", x => x.Gender);
        }));

        host.Add(new ShopCustomer { Email = "ann@example.com", Plan = "basic", Gender = "f" });

        var calls = await host.FlushedCallsAsync();
        var call = Assert.Single(calls);
        CallAssert.Is(call, "/e", ("_p", "ann@example.com"), ("_n", "Signed Up"), ("plan", "basic"), ("gender", "f"));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task OnChanged_fires_when_the_saved_value_differs_and_WithOriginal_carries_the_old_value(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnChanged(x => x.Plan).Record("Changed Plan").With("plan", x => x.Plan).WithOriginal("previous plan", x => x.Plan);
        }));
        host.Add(new ShopCustomer { Email = "ann@example.com", Plan = "basic" });

        // An added entity has no earlier value: OnChanged is not OnAdded.
        await host.FlushAsync();
        Assert.Empty(host.Server.AllRequests);

        SaveChange(host, c => c.Plan = "pro");

        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/e", ("_p", "ann@example.com"), ("_n", "Changed Plan"), ("plan", "pro"), ("previous plan", "basic"));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task OnChanged_does_not_fire_when_the_same_value_is_saved_or_another_member_changes(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnChanged(x => x.Plan).Record("Changed Plan").With("plan", x => x.Plan);
            c.OnModified().Record("Touched");
        }));
        host.Add(new ShopCustomer { Email = "ann@example.com", Plan = "basic", Country = "FR" });

        // The same value assigned, and even forced "modified": the saved value does not differ.
        host.WithContext(db =>
        {
            var ann = db.Customers.Single();
            ann.Plan = "basic";
            db.Entry(ann).Property(x => x.Plan).IsModified = true;
            db.SaveChanges();
        });

        // Another member changes.
        SaveChange(host, c => c.Country = "DE");

        var calls = await host.FlushedCallsAsync();
        Assert.Empty(calls.Events("Changed Plan"));

        // Control: both saves did reach the tracker as modifications.
        Assert.Equal(2, calls.Events("Touched").Count);
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task OnChanged_Set_with_two_properties_sends_one_property_set(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnChanged(x => x.Country).Set("country", x => x.Country).Set("region", x => x.Region);
        }));
        host.Add(new ShopCustomer { Email = "ann@example.com", Country = "FR", Region = "Bretagne" });

        SaveChange(host, ann =>
        {
            ann.Country = "DE";
            ann.Region = "Bayern";
        });

        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/s", ("_p", "ann@example.com"), ("country", "DE"), ("region", "Bayern"));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task OnModified_When_filters_on_the_entity_as_saved_and_ignores_additions(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnModified().When(x => x.IsVip).Record("VIP Updated");
        }));
        host.Add(
            new ShopCustomer { Email = "vip@example.com", IsVip = true },
            new ShopCustomer { Email = "plain@example.com", IsVip = false });

        host.WithContext(db =>
        {
            foreach (var customer in db.Customers)
            {
                customer.Visits++;
            }

            db.SaveChanges();
        });

        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/e", ("_p", "vip@example.com"), ("_n", "VIP Updated"));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task OnDeleted_sends_the_event_of_the_deleted_entity(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnDeleted().Record("Closed Account").With("plan", x => x.Plan);
        }));
        host.Add(new ShopCustomer { Email = "ann@example.com", Plan = "pro" });

        host.WithContext(db =>
        {
            db.Customers.Remove(db.Customers.Single());
            db.SaveChanges();
        });

        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/e", ("_p", "ann@example.com"), ("_n", "Closed Account"), ("plan", "pro"));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task AliasOnChange_aliases_the_old_value_to_the_new_one(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.AliasOnChange(x => x.Email);
        }));
        host.Add(new ShopCustomer { Email = "old@example.com" });
        await host.FlushAsync();
        Assert.Empty(host.Server.Calls);

        SaveChange(host, c => c.Email = "new@example.com");
        SaveChange(host, c => c.Plan = "pro");

        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/a", ("_p", "old@example.com"), ("_n", "new@example.com"));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task Alias_pair_is_sent_on_add_only_when_both_sides_are_set(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.Alias(x => x.LegacyId, x => x.Email);
        }));

        host.Add(
            new ShopCustomer { Email = "both@example.com", LegacyId = "L-1" },
            new ShopCustomer { Email = "nolegacy@example.com", LegacyId = null },
            new ShopCustomer { Email = null, LegacyId = "L-3" },
            new ShopCustomer { Email = "emptylegacy@example.com", LegacyId = "" });

        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/a", ("_p", "L-1"), ("_n", "both@example.com"));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task Alias_pair_is_sent_when_either_side_changes_and_not_for_other_changes(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.Alias(x => x.LegacyId, x => x.Email);
        }));
        host.Add(new ShopCustomer { Email = "ann@example.com", LegacyId = null });

        // First side set: now both are.
        SaveChange(host, c => c.LegacyId = "L-1");

        // An unrelated change: no alias.
        SaveChange(host, c => c.Plan = "pro");

        // Second side changes.
        SaveChange(host, c => c.Email = "ann@new.example.com");

        var calls = await host.FlushedCallsAsync();
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c => Assert.Equal("/a", c.Path));
        Assert.Single(calls, c => c.Get("_p") == "L-1" && c.Get("_n") == "ann@example.com");
        Assert.Single(calls, c => c.Get("_p") == "L-1" && c.Get("_n") == "ann@new.example.com");
        foreach (var call in calls)
        {
            CallAssert.Is(call, "/a", ("_p", call.Get("_p")!), ("_n", call.Get("_n")!));
        }
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task An_event_whose_properties_are_all_null_is_sent_without_them(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Signed Up").With("plan", x => x.Plan).With("gender", x => x.Gender);
        }));

        host.Add(new ShopCustomer { Email = "ann@example.com", Plan = null, Gender = null });

        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/e", ("_p", "ann@example.com"), ("_n", "Signed Up"));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task A_property_set_left_with_no_property_is_not_sent(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnChanged(x => x.Country).Set("country", x => x.Country).Set("region", x => x.Region);
            c.OnAdded().Set("country", x => x.Country);
        }));
        host.Add(new ShopCustomer { Email = "ann@example.com", Country = null });

        SaveChange(host, c => c.Country = "FR");
        SaveChange(host, c => c.Country = null);

        // Only the change to "FR" had something to set.
        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/s", ("_p", "ann@example.com"), ("country", "FR"));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task At_sets_the_time_of_events_and_property_sets(Delivery delivery)
    {
        var signedUp = new DateTimeOffset(2020, 2, 3, 4, 5, 6, TimeSpan.FromHours(2));
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Signed Up").At(x => x.SignedUpAt);
            c.OnAdded().Set("plan", x => x.Plan).At(x => x.SignedUpAt.AddDays(1));
        }));

        host.Add(new ShopCustomer { Email = "ann@example.com", Plan = "basic", SignedUpAt = signedUp });

        var calls = await host.FlushedCallsAsync();
        Assert.Equal(2, calls.Count);
        var signedUpEvent = CallAssert.OnlyTo(calls, "/e");
        CallAssert.Is(signedUpEvent, "/e", ("_p", "ann@example.com"), ("_n", "Signed Up"));
        Assert.Equal("1580695506", signedUpEvent.Get("_t"));
        Assert.Equal(CallAssert.UnixSeconds(signedUp), signedUpEvent.Get("_t"));
        var set = CallAssert.OnlyTo(calls, "/s");
        Assert.Equal(CallAssert.UnixSeconds(signedUp.AddDays(1)), set.Get("_t"));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task Several_entity_types_and_verbs_in_one_save_each_send_their_calls(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss
            .Entity<ShopCustomer>(c =>
            {
                c.HasIdentity(x => x.Email);
                c.OnAdded().Record("Signed Up");
                c.OnDeleted().Record("Closed Account");
                c.OnChanged(x => x.Plan).Set("plan", x => x.Plan);
            })
            .Entity<ShopOrder>(o =>
            {
                o.HasIdentity(x => x.Customer!.Email);
                o.OnAdded().Record("Ordered").With("total", x => x.Total);
            }));
        host.Add(new ShopCustomer { Email = "gone@example.com" }, new ShopCustomer { Email = "stays@example.com", Plan = "basic" });
        await host.FlushAsync();
        host.Server.Reset();

        host.WithContext(db =>
        {
            db.Customers.Remove(db.Customers.Single(c => c.Email == "gone@example.com"));
            var stays = db.Customers.Single(c => c.Email == "stays@example.com");
            stays.Plan = "pro";
            stays.Orders.Add(new ShopOrder { Reference = "O-1", Total = 12.5m });
            db.Customers.Add(new ShopCustomer { Email = "new@example.com" });
            db.SaveChanges();
        });

        var calls = await host.FlushedCallsAsync();
        Assert.Equal(4, calls.Count);
        CallAssert.Is(Assert.Single(calls.Events("Closed Account")), "/e", ("_p", "gone@example.com"), ("_n", "Closed Account"));
        CallAssert.Is(Assert.Single(calls.Events("Signed Up")), "/e", ("_p", "new@example.com"), ("_n", "Signed Up"));
        CallAssert.Is(Assert.Single(calls.Events("Ordered")), "/e", ("_p", "stays@example.com"), ("_n", "Ordered"), ("total", "12.5"));
        CallAssert.Is(CallAssert.OnlyTo(calls, "/s"), "/s", ("_p", "stays@example.com"), ("plan", "pro"));
    }

    /// <summary>Changes the one customer of the table and saves it, in a context of its own.</summary>
    private static void SaveChange(TestHost host, Action<ShopCustomer> change) => host.WithContext(db =>
    {
        change(db.Customers.Single());
        db.SaveChanges();
    });
}
