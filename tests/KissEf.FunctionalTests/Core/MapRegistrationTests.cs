using KissEf.Tests.Core.ScannedMaps;
using KissEf.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Core;

/// <summary>
/// Maps checked against the EF model at host start, picked up from an assembly, and built once per
/// AddKissTracking however many contexts and saves use them.
/// </summary>
public sealed class MapRegistrationTests
{
    public enum WatchedBy
    {
        OnChanged,
        AliasOnChange,
        WithOriginal,
        Alias,
    }

    public static TheoryData<Delivery, WatchedBy> NotMappedCases
    {
        get
        {
            var data = new TheoryData<Delivery, WatchedBy>();
            foreach (var delivery in Enum.GetValues<Delivery>())
            {
                foreach (var watcher in Enum.GetValues<WatchedBy>())
                {
                    data.Add(delivery, watcher);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(NotMappedCases))]
    public async Task A_watched_member_that_is_not_a_mapped_EF_property_fails_the_host_start(Delivery delivery, WatchedBy watcher)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c => WatchNickname(c, watcher)), o => o.Start = false);

        var error = await Assert.ThrowsAsync<KissMappingException>(host.StartHostAsync);

        Assert.Contains("ShopCustomer", error.Message, StringComparison.Ordinal);
        Assert.Contains("Nickname", error.Message, StringComparison.Ordinal);
        Assert.Contains("not a mapped property", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task A_watched_path_through_a_navigation_to_another_entity_fails_the_host_start(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnChanged(x => x.Plan).Record("Changed Plan").WithOriginal("previous city", x => x.Address!.City);
        }), o => o.Start = false);

        var error = await Assert.ThrowsAsync<KissMappingException>(host.StartHostAsync);

        Assert.Contains("ShopCustomer", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Address.City'", error.Message, StringComparison.Ordinal);
        Assert.Contains("navigation 'Address'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task Without_a_host_the_first_save_fails_on_a_watched_member_that_is_not_mapped(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(
            delivery,
            kiss => kiss.Entity<ShopCustomer>(c => WatchNickname(c, WatchedBy.OnChanged)),
            o => o.Start = false);

        using (var scope = host.OpenScope())
        {
            scope.Db.Customers.Add(new ShopCustomer { Email = "ann@example.com" });
            var error = Assert.Throws<KissMappingException>(() => scope.Db.SaveChanges());
            Assert.Contains("ShopCustomer", error.Message, StringComparison.Ordinal);
            Assert.Contains("Nickname", error.Message, StringComparison.Ordinal);
        }

        using var check = host.OpenScope();
        Assert.Empty(check.Db.Customers);
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task A_not_mapped_member_may_still_be_read_as_a_value(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Signed Up").With("nickname", x => x.Nickname);
        }));

        host.Add(new ShopCustomer { Email = "ann@example.com", Nickname = "Annie" });

        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/e", ("_p", "ann@example.com"), ("_n", "Signed Up"), ("nickname", "Annie"));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task ApplyConfigurationsFromAssembly_applies_the_configuration_classes_it_finds(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.ApplyConfigurationsFromAssembly(
            typeof(MapRegistrationTests).Assembly,
            t => t.Namespace == typeof(CountingCustomerTracking).Namespace));

        using (var scope = host.OpenScope())
        {
            var ann = new ShopCustomer { Email = "ann@example.com", Plan = "basic" };
            ann.Orders.Add(new ShopOrder { Reference = "O-1", Total = 3 });
            scope.Db.Customers.Add(ann);
            scope.Db.SaveChanges();
        }

        var calls = await host.FlushedCallsAsync();
        Assert.Equal(2, calls.Count);
        CallAssert.Is(Assert.Single(calls.Events("Scanned Sign Up")), "/e", ("_p", "ann@example.com"), ("_n", "Scanned Sign Up"), ("plan", "basic"));
        CallAssert.Is(Assert.Single(calls.Events("Scanned Order")), "/e", ("_p", "O-1"), ("_n", "Scanned Order"), ("total", "3"));
    }

    [Fact]
    public void ApplyConfigurationsFromAssembly_respects_its_predicate()
    {
        // The test assembly also holds a broken configuration (BrokenScannedTracking below): the predicate leaves it out.
        var services = new ServiceCollection();
        services.AddKissTracking(kiss => kiss
            .UseApiKey("scan-key")
            .ApplyConfigurationsFromAssembly(typeof(MapRegistrationTests).Assembly, t => t == typeof(ScannedOrderTracking)));

        var all = new ServiceCollection();
        Assert.Throws<KissMappingException>(() => all.AddKissTracking(kiss => kiss
            .UseApiKey("scan-key")
            .ApplyConfigurationsFromAssembly(typeof(MapRegistrationTests).Assembly, t => t.FullName!.Contains("Broken", StringComparison.Ordinal))));
    }

    [Theory]
    [InlineData(Delivery.Outbox, false)]
    [InlineData(Delivery.Direct, false)]
    [InlineData(Delivery.Outbox, true)]
    [InlineData(Delivery.Direct, true)]
    public async Task Maps_are_built_once_per_AddKissTracking_not_per_context_or_save(Delivery delivery, bool pool)
    {
        var before = CountingCustomerTracking.Configured;
        await using var host = await TestHost.StartAsync(
            delivery,
            kiss => kiss.ApplyConfiguration(new CountingCustomerTracking()),
            o =>
            {
                o.Pool = pool;
                o.Start = true;
            });
        Assert.Equal(before + 1, CountingCustomerTracking.Configured);

        // Many contexts (scopes), several saves each, and a second context instance at the same time.
        for (var i = 0; i < 6; i++)
        {
            using var first = host.OpenScope();
            using var second = host.OpenScope();
            first.Db.Customers.Add(new ShopCustomer { Email = $"a{i}@example.com" });
            first.Db.SaveChanges();
            second.Db.Customers.Add(new ShopCustomer { Email = $"b{i}@example.com" });
            await second.Db.SaveChangesAsync();
            first.Db.Customers.Local.Single().Plan = "pro";
            first.Db.SaveChanges();
        }

        var calls = await host.FlushedCallsAsync();
        Assert.Equal(12, calls.Events("Scanned Sign Up").Count);
        Assert.Equal(before + 1, CountingCustomerTracking.Configured);
    }

    private static void WatchNickname(KissEntityTypeBuilder<ShopCustomer> c, WatchedBy watcher)
    {
        c.HasIdentity(x => x.Email);
        switch (watcher)
        {
            case WatchedBy.OnChanged:
                c.OnChanged(x => x.Nickname).Record("Renamed");
                break;
            case WatchedBy.AliasOnChange:
                c.AliasOnChange(x => x.Nickname);
                break;
            case WatchedBy.WithOriginal:
                c.OnChanged(x => x.Plan).Record("Changed Plan").WithOriginal("previous nickname", x => x.Nickname);
                break;
            default:
                c.Alias(x => x.Nickname, x => x.Email);
                break;
        }
    }

    /// <summary>
    /// A broken configuration in this assembly for the scan's predicate to leave out (the tests of broken maps as such
    /// are units, in another assembly: tests/KissEf.Tests/Model/MappingValidationTests).
    /// </summary>
    private sealed class BrokenScannedTracking : IKissEntityTypeConfiguration<ShopOrder>
    {
        public void Configure(KissEntityTypeBuilder<ShopOrder> builder)
        {
            builder.HasIdentity(o => o.Reference);
            builder.OnAdded().Record("Ordered, twice");
        }
    }
}
