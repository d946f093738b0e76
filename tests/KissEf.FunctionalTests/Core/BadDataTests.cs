using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Core;

/// <summary>
/// Bad data at save time never breaks the save: the row is saved, the offending call (or property) is not sent,
/// and a warning or error with a documented event id names entity and rule, never the key nor the value.
/// </summary>
public sealed class BadDataTests
{
    private const int CallSkipped = 1001;
    private const int PropertyDropped = 1002;
    private const int CallFailed = 1003;

    private static readonly string LongIdentity = "x" + new string('i', 250) + "@e.co";

    [Theory]
    [InlineData(Delivery.Outbox, null)]
    [InlineData(Delivery.Outbox, "")]
    [InlineData(Delivery.Outbox, "   ")]
    [InlineData(Delivery.Direct, null)]
    [InlineData(Delivery.Direct, "")]
    [InlineData(Delivery.Direct, "   ")]
    public async Task A_null_or_empty_identity_skips_the_call_and_warns(Delivery delivery, string? identity)
    {
        await using var host = await StartAsync(delivery);

        host.Add(new ShopCustomer { Email = identity, Plan = "basic" }, new ShopCustomer { Email = "ok@example.com", Plan = "basic" });

        var call = Assert.Single(await host.FlushedCallsAsync());
        Assert.Equal("ok@example.com", call.Get("_p"));
        Assert.Equal(2, await CountAsync(host));
        var warning = AssertLogged(host, CallSkipped, LogLevel.Warning, "Signed Up", "identity", "null or empty");
        Assert.DoesNotContain("ok@example.com", warning.FullText, StringComparison.Ordinal);
        AssertNoSecretsLogged(host, "ok@example.com");
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task An_identity_over_255_characters_skips_the_call_and_warns(Delivery delivery)
    {
        await using var host = await StartAsync(delivery);
        Assert.Equal(256, LongIdentity.Length);
        var longest = LongIdentity[1..];

        host.Add(new ShopCustomer { Email = LongIdentity, Plan = "basic" }, new ShopCustomer { Email = longest, Plan = "basic" });

        // 255 characters pass, 256 do not.
        var call = Assert.Single(await host.FlushedCallsAsync());
        Assert.Equal(longest, call.Get("_p"));
        Assert.Equal(2, await CountAsync(host));
        AssertLogged(host, CallSkipped, LogLevel.Warning, "Signed Up", "identity", "255");
        AssertNoSecretsLogged(host, LongIdentity, longest);
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task An_alias_side_over_255_characters_skips_the_alias_and_warns(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Id);
            c.Alias(x => x.LegacyId, x => x.Email);
            c.AliasOnChange(x => x.Email);
        }));

        // Alias pair: the first side is too long.
        host.Add(new ShopCustomer { Email = "ann@example.com", LegacyId = LongIdentity });
        await host.FlushAsync();
        Assert.Empty(host.Server.AllRequests);
        AssertLogged(host, CallSkipped, LogLevel.Warning, "alias", "255");

        // Alias on change: the new value is too long (and the pair's second side with it).
        host.WithContext(db =>
        {
            var ann = db.Customers.Single();
            ann.LegacyId = "L-1";
            db.SaveChanges();
            ann.Email = LongIdentity;
            db.SaveChanges();
        });

        // Only the valid pair (L-1, ann@example.com) left.
        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/a", ("_p", "L-1"), ("_n", "ann@example.com"));
        Assert.True(host.Logs.WithEventId(CallSkipped).Count >= 3, host.Logs.ToString());
        Assert.Equal(LongIdentity, (await StoredCustomerAsync(host)).Email);
        AssertNoSecretsLogged(host, LongIdentity, "ann@example.com", "L-1");
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task A_property_value_over_512_characters_is_left_out_and_the_call_is_sent(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Signed Up").With("plan", x => x.Plan).With("gender", x => x.Gender);
            c.OnAdded().Set("plan", x => x.Plan);
        }));
        var tooLong = new string('p', 513);
        var longest = new string('q', 512);

        host.Add(
            new ShopCustomer { Email = "ann@example.com", Plan = tooLong, Gender = "f" },
            new ShopCustomer { Email = "bob@example.com", Plan = longest, Gender = "m" });

        var calls = await host.FlushedCallsAsync();

        // The event goes without the property; the property set, left with nothing, does not go at all.
        CallAssert.Is(Assert.Single(calls, c => c.Get("_p") == "ann@example.com"), "/e", ("_p", "ann@example.com"), ("_n", "Signed Up"), ("gender", "f"));
        CallAssert.Is(Assert.Single(calls.Events("Signed Up"), c => c.Get("_p") == "bob@example.com"), "/e", ("_p", "bob@example.com"), ("_n", "Signed Up"), ("plan", longest), ("gender", "m"));
        CallAssert.Is(CallAssert.OnlyTo(calls, "/s"), "/s", ("_p", "bob@example.com"), ("plan", longest));
        Assert.Equal(3, calls.Count);
        Assert.Equal(2, await CountAsync(host));
        AssertLogged(host, PropertyDropped, LogLevel.Warning, "'plan'", "Signed Up", "512");
        AssertNoSecretsLogged(host, tooLong, longest, "ann@example.com");
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task An_event_time_before_2009_skips_the_call_and_warns(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Signed Up").At(x => x.SignedUpAt);
            c.OnAdded().Set("plan", x => x.Plan).At(x => x.SignedUpAt);
        }));
        var earliest = new DateTimeOffset(2009, 1, 1, 0, 0, 0, TimeSpan.Zero);

        host.Add(
            new ShopCustomer { Email = "old@example.com", Plan = "basic", SignedUpAt = earliest.AddSeconds(-1) },
            new ShopCustomer { Email = "new@example.com", Plan = "basic", SignedUpAt = earliest });

        var calls = await host.FlushedCallsAsync();
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c => Assert.Equal("new@example.com", c.Get("_p")));
        Assert.All(calls, c => Assert.Equal(CallAssert.UnixSeconds(earliest), c.Get("_t")));
        Assert.Equal(2, await CountAsync(host));
        AssertLogged(host, CallSkipped, LogLevel.Warning, "Signed Up", "2009");
        Assert.Equal(2, host.Logs.WithEventId(CallSkipped).Count);
        AssertNoSecretsLogged(host, "old@example.com", "new@example.com");
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task A_map_expression_that_throws_skips_that_entitys_call_and_logs_an_error(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Located").With("city", x => x.Address!.City.ToUpperInvariant());
        }));

        host.Add(
            new ShopCustomer { Email = "homeless@example.com" },
            new ShopCustomer { Email = "housed@example.com", Address = new ShopAddress { City = "Lyon" } });

        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/e", ("_p", "housed@example.com"), ("_n", "Located"), ("city", "LYON"));
        Assert.Equal(2, await CountAsync(host));
        var error = AssertLogged(host, CallFailed, LogLevel.Error, "ShopCustomer", "OnAdded()", "/e \"Located\"", "x.Address.City.ToUpperInvariant()");
        Assert.IsType<NullReferenceException>(error.Exception);
        AssertNoSecretsLogged(host, "homeless@example.com", "housed@example.com", "Lyon");
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task A_map_expression_that_throws_skips_every_call_of_that_entity(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.Alias(x => x.LegacyId, x => x.Email);
            c.OnAdded().Record("Signed Up");
            c.OnAdded().Record("Located").With("city", x => x.Address!.City.ToUpperInvariant());
        }));

        host.Add(
            new ShopCustomer { Email = "homeless@example.com", LegacyId = "L-1" },
            new ShopCustomer { Email = "housed@example.com", Address = new ShopAddress { City = "Lyon" } });

        var calls = await host.FlushedCallsAsync();
        Assert.DoesNotContain(calls, c => c.Get("_p") == "homeless@example.com" || c.Get("_n") == "homeless@example.com");
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c => Assert.Equal("housed@example.com", c.Get("_p")));
        AssertLogged(host, CallFailed, LogLevel.Error, "ShopCustomer");
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task A_throwing_expression_of_a_deleted_entity_skips_only_that_entitys_calls(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Signed Up");
            c.OnDeleted().Record("Closed Account").With("city", x => x.Address!.City.ToUpperInvariant());
        }));
        host.Add(new ShopCustomer { Email = "homeless@example.com" });
        await host.FlushAsync();
        host.Server.Reset();

        host.WithContext(db =>
        {
            db.Customers.Remove(db.Customers.Single());
            db.Customers.Add(new ShopCustomer { Email = "new@example.com" });
            db.SaveChanges();
        });

        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/e", ("_p", "new@example.com"), ("_n", "Signed Up"));
        Assert.Equal("new@example.com", (await StoredCustomerAsync(host)).Email);
        AssertLogged(host, CallFailed, LogLevel.Error, "ShopCustomer");
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task A_When_filter_that_throws_does_not_break_the_save(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnModified().When(x => x.Address!.City == "Lyon").Record("Lyon Updated");
        }));
        host.Add(new ShopCustomer { Email = "ann@example.com" });

        host.WithContext(db =>
        {
            db.Customers.Single().Plan = "pro";
            db.SaveChanges();
        });

        await host.FlushAsync();
        Assert.Empty(host.Server.AllRequests);
        Assert.Equal("pro", (await StoredCustomerAsync(host)).Plan);
        AssertLogged(host, CallFailed, LogLevel.Error, "ShopCustomer");
        AssertNoSecretsLogged(host, "ann@example.com");
    }

    private static Task<TestHost> StartAsync(Delivery delivery) => TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
    {
        c.HasIdentity(x => x.Email);
        c.OnAdded().Record("Signed Up").With("plan", x => x.Plan);
    }));

    private static async Task<int> CountAsync(TestHost host)
    {
        using var scope = host.OpenScope();
        return await scope.Db.Customers.CountAsync();
    }

    /// <summary>The one customer of the table, read by a context of its own.</summary>
    private static async Task<ShopCustomer> StoredCustomerAsync(TestHost host)
    {
        using var scope = host.OpenScope();
        return await scope.Db.Customers.SingleAsync();
    }

    /// <summary>Exactly one entry (at least one, for repeated rules) with the id and level, naming the entity and the rule.</summary>
    private static CapturedLog AssertLogged(TestHost host, int eventId, LogLevel level, params string[] mentions)
    {
        var entries = host.Logs.WithEventId(eventId).Where(e => e.Category.StartsWith("KissEf", StringComparison.Ordinal)).ToList();
        Assert.True(entries.Count > 0, $"No KissEf log entry {eventId}. Logged:{Environment.NewLine}{host.Logs}");
        var entry = entries[0];
        Assert.Equal(level, entry.Level);
        Assert.Contains("ShopCustomer", entry.Message, StringComparison.Ordinal);
        foreach (var mention in mentions)
        {
            Assert.Contains(mention, entry.Message, StringComparison.Ordinal);
        }

        return entry;
    }

    /// <summary>No log entry, of any category and level, holds the key, a query, or one of <paramref name="values"/>.</summary>
    private static void AssertNoSecretsLogged(TestHost host, params string[] values)
    {
        foreach (var entry in host.Logs.Entries)
        {
            var text = entry.FullText;
            Assert.DoesNotContain(TestHost.ApiKey, text, StringComparison.Ordinal);
            Assert.DoesNotContain(Uri.EscapeDataString(TestHost.ApiKey), text, StringComparison.Ordinal);
            Assert.DoesNotContain("_k=", text, StringComparison.Ordinal);
            Assert.DoesNotContain("_p=", text, StringComparison.Ordinal);
            foreach (var value in values)
            {
                Assert.DoesNotContain(value, text, StringComparison.Ordinal);
                Assert.DoesNotContain(Uri.EscapeDataString(value), text, StringComparison.Ordinal);
            }
        }
    }
}
