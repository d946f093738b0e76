namespace KissEf.Tests.Support.ValueObjects;

/// <summary>
/// Issue 18, item 5: value objects compared by value. An owned entity replaced by a new instance that holds the same
/// values (<c>list.Colour = Colour.From(sameCode)</c>) is no change of its owner: no OnChanged, no OnModified; with other
/// values it is one, with the original values of the instance it replaced. <c>KissEf.FunctionalTests</c> runs them on
/// SQLite files, <c>KissEf.PostgreSql.Tests</c> on the private PostgreSQL server.
/// </summary>
public abstract class ValueObjectTests : OutboxTestBase
{
    protected abstract Provider Provider { get; }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task An_owned_value_object_replaced_by_an_equal_one_fires_nothing_and_by_another_one_fires_with_its_original(Delivery delivery)
    {
        await using var host = await StartAsync(delivery, kiss => kiss.Entity<VoTodoList>(l =>
        {
            l.HasIdentity(x => x.OwnerEmail);
            l.OnChanged(x => x.Colour).Record("Recoloured")
                .With("colour", x => x.Colour.Code)
                .WithOriginal("previous colour", x => x.Colour.Code);
            l.OnChanged(x => x.Colour.Name).Record("Colour Renamed");
            l.OnModified().Record("List Updated");
        }));
        await host.SeedAsync(List());

        await host.ChangeListAsync(l => l.Colour = VoColour.From(l.Colour.Code));
        Assert.Empty(await host.TakeCallsAsync());

        await host.ChangeListAsync(l => l.Colour = VoColour.From("#66A3FF"));
        var calls = await host.TakeCallsAsync();
        Assert.True(calls.Count == 3, calls.Describe());
        CallAssert.Is(Assert.Single(calls.Events("Recoloured")), "/e", ("_p", Owner), ("_n", "Recoloured"), ("colour", "#66A3FF"), ("previous colour", "#FF5733"));
        CallAssert.Is(Assert.Single(calls.Events("Colour Renamed")), "/e", ("_p", Owner), ("_n", "Colour Renamed"));
        CallAssert.Is(Assert.Single(calls.Events("List Updated")), "/e", ("_p", Owner), ("_n", "List Updated"));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task A_nested_owned_value_object_is_compared_to_its_last_member(Delivery delivery)
    {
        await using var host = await StartAsync(delivery, kiss => kiss.Entity<VoTodoList>(l =>
        {
            l.HasIdentity(x => x.OwnerEmail);
            l.OnChanged(x => x.Place).Record("Moved").WithOriginal("previous latitude", x => x.Place!.Position!.Latitude);
            l.OnModified().Record("List Updated");
        }));
        await host.SeedAsync(List());

        await host.ChangeListAsync(l => l.Place = new VoPlace { City = "Lyon", Position = new VoPosition { Latitude = 45.75, Longitude = 4.85 } });
        Assert.Empty(await host.TakeCallsAsync());

        // The same city, another position: the nested value differs.
        await host.ChangeListAsync(l => l.Place = new VoPlace { City = "Lyon", Position = new VoPosition { Latitude = 45.76, Longitude = 4.85 } });
        var calls = await host.TakeCallsAsync();
        Assert.True(calls.Count == 2, calls.Describe());
        CallAssert.Is(Assert.Single(calls.Events("Moved")), "/e", ("_p", Owner), ("_n", "Moved"), ("previous latitude", "45.75"));
        CallAssert.Is(Assert.Single(calls.Events("List Updated")), "/e", ("_p", Owner), ("_n", "List Updated"));

        // The nested value object removed, then set again: a change each time.
        await host.ChangeListAsync(l => l.Place = new VoPlace { City = "Lyon" });
        Assert.Equal(["List Updated", "Moved"], (await host.TakeCallsAsync()).Select(c => c.Get("_n")).Order(StringComparer.Ordinal));
        await host.ChangeListAsync(l => l.Place = new VoPlace { City = "Lyon", Position = new VoPosition { Latitude = 45.75, Longitude = 4.85 } });
        Assert.Equal(["List Updated", "Moved"], (await host.TakeCallsAsync()).Select(c => c.Get("_n")).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task An_owned_value_object_in_a_table_of_its_own_is_compared_by_value(Delivery delivery)
    {
        await using var host = await StartAsync(delivery, kiss => kiss.Entity<VoTodoList>(l =>
        {
            l.HasIdentity(x => x.OwnerEmail);
            l.OnChanged(x => x.Badge!.Level).Record("Levelled").WithOriginal("previous level", x => x.Badge!.Level);
            l.OnModified().Record("List Updated");
        }));
        await host.SeedAsync(List());

        await host.ChangeListAsync(l => l.Badge = new VoBadge { Label = "Gold", Level = 3 });
        Assert.Empty(await host.TakeCallsAsync());

        await host.ChangeListAsync(l => l.Badge = new VoBadge { Label = "Gold", Level = 4 });
        var calls = await host.TakeCallsAsync();
        Assert.True(calls.Count == 2, calls.Describe());
        CallAssert.Is(Assert.Single(calls.Events("Levelled")), "/e", ("_p", Owner), ("_n", "Levelled"), ("previous level", "3"));
        CallAssert.Is(Assert.Single(calls.Events("List Updated")), "/e", ("_p", Owner), ("_n", "List Updated"));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task An_owned_collection_whose_items_are_replaced_by_equal_ones_in_any_order_is_no_change(Delivery delivery)
    {
        await using var host = await StartAsync(delivery, kiss => kiss.Entity<VoTodoList>(l =>
        {
            l.HasIdentity(x => x.OwnerEmail);
            l.OnChanged(x => x.Tags).Record("Retagged").With("tags", x => x.Tags.Count);
            l.OnModified().Record("List Updated");
        }));
        await host.SeedAsync(List());

        // New instances of the same values, in another order.
        await host.ChangeListAsync(l => l.Tags = [new VoTag { Name = "home" }, new VoTag { Name = "work" }]);
        Assert.Empty(await host.TakeCallsAsync());

        // One value differs.
        await host.ChangeListAsync(l => l.Tags = [new VoTag { Name = "home" }, new VoTag { Name = "play" }]);
        var changed = await host.TakeCallsAsync();
        Assert.True(changed.Count == 2, changed.Describe());
        CallAssert.Is(Assert.Single(changed.Events("Retagged")), "/e", ("_p", Owner), ("_n", "Retagged"), ("tags", "2"));
        CallAssert.Is(Assert.Single(changed.Events("List Updated")), "/e", ("_p", Owner), ("_n", "List Updated"));

        // An item removed, none added.
        await host.ChangeListAsync(l => l.Tags.RemoveAt(0));
        Assert.Equal(["List Updated", "Retagged"], (await host.TakeCallsAsync()).Select(c => c.Get("_n")).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task A_value_object_replaced_by_an_equal_one_leaves_the_owners_own_change_alone(Delivery delivery)
    {
        await using var host = await StartAsync(delivery, kiss => kiss.Entity<VoTodoList>(l =>
        {
            l.HasIdentity(x => x.OwnerEmail);
            l.OnChanged(x => x.Colour).Record("Recoloured");
            l.OnChanged(x => x.Title).Record("Renamed").With("title", x => x.Title).With("colour", x => x.Colour.Name);
        }));
        await host.SeedAsync(List());

        await host.ChangeListAsync(l =>
        {
            l.Title = "Errands";
            l.Colour = VoColour.From("#FF5733");
        });

        CallAssert.Is(Assert.Single(await host.TakeCallsAsync()), "/e", ("_p", Owner), ("_n", "Renamed"), ("title", "Errands"), ("colour", "Orange"));
    }

    private const string Owner = "ann@example.com";

    private async Task<ValueShopHost> StartAsync(Delivery delivery, Action<KissTrackingBuilder> maps)
        => await ValueShopHost.StartAsync(await Providers.CreateDatabaseAsync(Provider, Database), Server, delivery, maps);

    private static VoTodoList List() => new()
    {
        OwnerEmail = Owner,
        Title = "Groceries",
        Colour = VoColour.From("#FF5733"),
        Place = new VoPlace { City = "Lyon", Position = new VoPosition { Latitude = 45.75, Longitude = 4.85 } },
        Badge = new VoBadge { Label = "Gold", Level = 3 },
        Tags = [new VoTag { Name = "work" }, new VoTag { Name = "home" }],
    };
}
