using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Protocol;

/// <summary>
/// Every value a map can produce, as a property value, as an identity and as a side of an alias, through a
/// real save on SQLite and the loopback server: it arrives as exactly its text (decoded by a strict RFC 3986
/// decoder) or it is refused by a documented rule, with a warning naming entity, call and rule. The save
/// never fails and nothing malformed leaves.
/// </summary>
public sealed class BadInputTests
{
    private const int CallSkipped = 1001;
    private const int PropertyDropped = 1002;
    private const string Person = "ann@example.com";

    [Theory]
    [MemberData(nameof(BadInputCases.ValueNames), MemberType = typeof(BadInputCases))]
    public async Task A_value_is_sent_exactly_or_refused_by_a_rule_with_a_warning(string name)
    {
        var (value, text, rule) = BadInputCases.Values[name];
        await using var host = await TestHost.StartAsync(Delivery.Outbox, kiss =>
        {
            kiss.Entity<ShopCustomer>(c =>
            {
                c.HasIdentity(x => x.Email);
                c.OnAdded().Record("Checked").With("value", x => BadInputCases.Value(x.Region)).With("case", x => x.Region);
                c.Alias(x => x.LegacyId, x => x.Email);
            });
            kiss.Entity<ShopOrder>(o =>
            {
                o.HasIdentity(x => BadInputCases.Value(x.Reference));
                o.OnAdded().Record("Ordered").With("case", x => x.Reference);
            });
        });

        host.WithContext(db =>
        {
            var customer = new ShopCustomer { Email = Person, Region = name, LegacyId = value as string };
            db.Customers.Add(customer);
            db.Orders.Add(new ShopOrder { Reference = name, Customer = customer });
            db.SaveChanges();
        });
        var calls = await host.FlushedCallsAsync();

        // The save went through whatever the value.
        using (var scope = host.OpenScope())
        {
            Assert.Equal(1, await scope.Db.Customers.CountAsync());
            Assert.Equal(1, await scope.Db.Orders.CountAsync());
        }

        // Nothing malformed left: every request decodes strictly, with the key once and as it is.
        Assert.All(host.Server.AllRequests, AssertWellFormed);
        Assert.Empty(host.Logs.Errors);

        // As a property value: sent exactly, refused by its rule, or left out for its length.
        var checkedCall = Assert.Single(calls, c => c.Path == "/e" && Decoded(c, "_n") == "Checked");
        Assert.Equal(Person, Decoded(checkedCall, "_p"));
        Assert.Equal(name, Decoded(checkedCall, "case"));
        var valueRule = rule ?? (text!.Length > BadInputCases.ValueLimit ? $"over the limit of {BadInputCases.ValueLimit}" : null);
        if (valueRule is null)
        {
            Assert.Equal(text, Decoded(checkedCall, "value"));
        }
        else
        {
            Assert.Null(Decoded(checkedCall, "value"));
            AssertWarned(host, PropertyDropped, "'value'", "/e \"Checked\" of ShopCustomer", valueRule);
        }

        // As an identity.
        var identityRule = rule ?? (string.IsNullOrWhiteSpace(text) ? "null or empty" : text.Length > BadInputCases.IdentityLimit ? $"longer than {BadInputCases.IdentityLimit}" : null);
        var ordered = calls.Where(c => c.Path == "/e" && Decoded(c, "_n") == "Ordered").ToList();
        if (identityRule is null)
        {
            Assert.Equal(text, Decoded(Assert.Single(ordered), "_p"));
        }
        else
        {
            Assert.Empty(ordered);
            AssertWarned(host, CallSkipped, "/e \"Ordered\" of ShopOrder", identityRule);
        }

        // As a side of an alias (a string member; an empty one is "not set yet": no alias, no warning).
        var aliases = calls.Where(c => c.Path == "/a").ToList();
        if (value is not string || text == string.Empty)
        {
            Assert.Empty(aliases);
        }
        else if (identityRule is null)
        {
            var alias = Assert.Single(aliases);
            Assert.Equal(text, Decoded(alias, "_p"));
            Assert.Equal(Person, Decoded(alias, "_n"));
        }
        else
        {
            Assert.Empty(aliases);
            AssertWarned(host, CallSkipped, "alias (/a) of ShopCustomer", identityRule, "first identity");
        }

        var expectedWarnings = (valueRule is null ? 0 : 1) + (identityRule is null ? 0 : 1) + (value is string && text != string.Empty && identityRule is not null ? 1 : 0);
        Assert.True(expectedWarnings == host.Logs.Kiss.Count(e => e.Level >= LogLevel.Warning), host.Logs.ToString());
        AssertNothingSecretLogged(host, value as string ?? text);
    }

    [Theory]
    [MemberData(nameof(BadInputCases.TimeNames), MemberType = typeof(BadInputCases))]
    public async Task A_mapped_time_is_sent_as_its_Unix_seconds_or_the_call_is_refused(string name)
    {
        var (_, rule) = BadInputCases.Times[name];
        await using var host = await TestHost.StartAsync(Delivery.Outbox, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Timed").At(x => BadInputCases.Time(x.Region));
            c.OnAdded().Set("case", x => x.Region).At(x => BadInputCases.Time(x.Region));
        }));

        host.Add(new ShopCustomer { Email = Person, Region = name });
        var calls = await host.FlushedCallsAsync();

        using (var scope = host.OpenScope())
        {
            Assert.Equal(1, await scope.Db.Customers.CountAsync());
        }

        Assert.Empty(host.Logs.Errors);
        Assert.All(host.Server.AllRequests, AssertWellFormed);
        if (rule is null)
        {
            Assert.Equal(2, calls.Count);
            var expected = BadInputCases.Time(name).ToUnixTimeSeconds();
            Assert.All(calls, c => Assert.InRange(long.Parse(Decoded(c, "_t")!, System.Globalization.CultureInfo.InvariantCulture), expected - 5, expected));
            Assert.All(calls, c => Assert.Equal("1", Decoded(c, "_d")));
        }
        else
        {
            Assert.Empty(calls);
            AssertWarned(host, CallSkipped, "/e \"Timed\" of ShopCustomer", rule);
            AssertWarned(host, CallSkipped, "/s ('case') of ShopCustomer", rule);
        }
    }

    [Theory]
    [InlineData("tab\tname")]
    [InlineData("line\nbreak")]
    [InlineData("nul\0name")]
    [InlineData("del\u007Fname")]
    [InlineData("c1\u0085name")]
    [InlineData("lone {D800} surrogate")]
    public void A_name_with_a_control_character_or_a_lone_surrogate_fails_at_start_up(string bad)
    {
        // A lone surrogate does not survive the test runner's serialization of theory data: built here.
        bad = bad.Replace("{D800}", "\uD800", StringComparison.Ordinal);
        var error = Assert.Throws<KissMappingException>(() =>
            new ServiceCollection().AddKissTracking(kiss => kiss
                .UseDryRun()
                .Entity<ShopCustomer>(c =>
                {
                    c.HasIdentity(x => x.Email);
                    c.OnAdded().Record(bad);
                    c.OnAdded().Set(bad, x => x.Plan);
                })));

        Assert.Contains("ShopCustomer", error.Message, StringComparison.Ordinal);
        Assert.Contains(bad.Contains('\uD800', StringComparison.Ordinal) ? "lone UTF-16 surrogate" : "control characters", error.Message, StringComparison.Ordinal);
        Assert.Contains("event name", error.Message, StringComparison.Ordinal);
        Assert.Contains("property name", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The strictly decoded value of <paramref name="name"/> in <paramref name="call"/>, or null.</summary>
    private static string? Decoded(ReceivedCall call, string name)
    {
        var matches = StrictPercentDecoder.DecodePairs(call.RawQuery).Where(p => p.Key == name).ToList();
        return matches.Count == 0 ? null : Assert.Single(matches).Value;
    }

    private static void AssertWellFormed(ReceivedCall request)
    {
        var pairs = StrictPercentDecoder.DecodePairs(request.RawQuery);
        Assert.Equal(TestHost.ApiKey, Assert.Single(pairs, p => p.Key == "_k").Value);
        Assert.Single(pairs, p => p.Key == "_p");
        Assert.Equal(pairs.Count, pairs.Select(p => p.Key).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Contains(request.Path, new[] { "/e", "/s", "/a" });
    }

    private static void AssertWarned(TestHost host, int eventId, params string[] mentions)
    {
        var entries = host.Logs.WithEventId(eventId).Where(e => e.Category == "KissEf").ToList();
        Assert.True(
            entries.Any(e => e.Level == LogLevel.Warning && mentions.All(m => e.Message.Contains(m, StringComparison.Ordinal))),
            $"No warning {eventId} mentions {string.Join(" and ", mentions)}. Logged:{Environment.NewLine}{host.Logs}");
    }

    private static void AssertNothingSecretLogged(TestHost host, string? text)
    {
        foreach (var entry in host.Logs.Entries)
        {
            var logged = entry.FullText;
            Assert.DoesNotContain(TestHost.ApiKey, logged, StringComparison.Ordinal);
            Assert.DoesNotContain("_k=", logged, StringComparison.Ordinal);
            Assert.DoesNotContain(Person, logged, StringComparison.Ordinal);
            if (text is { Length: >= 6 })
            {
                Assert.DoesNotContain(text, logged, StringComparison.Ordinal);
            }
        }
    }
}
