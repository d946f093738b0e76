using System.Globalization;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;

namespace KissEf.Tests.Core;

/// <summary>RFC 3986 encoding of every name and value, and invariant formatting whatever the culture.</summary>
public sealed class EncodingTests
{
    private const string Identity = "ann+tag@exämple.com / 日本 #1";
    private const string EventName = "Paid + Upgraded @ 50% & more = #1 / é 日本 🎉";
    private const string PropertyName = "plan & tier = #/%+@ é";
    private const string Value = "a+b c@d&e=f#g%h/i é 日本 🎉";

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task Reserved_spaces_and_non_ASCII_characters_in_names_and_values_arrive_intact(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record(EventName).With(PropertyName, x => x.Plan);
            c.OnAdded().Set(PropertyName, x => x.Plan).Set("région", x => x.Region);
            c.Alias(x => x.LegacyId, x => x.Email);
        }));

        host.Add(new ShopCustomer { Email = Identity, Plan = Value, Region = "Île-de-France", LegacyId = "legacy + 1 / é" });

        var calls = await host.FlushedCallsAsync();
        Assert.Equal(3, calls.Count);
        var recorded = CallAssert.OnlyTo(calls, "/e");
        CallAssert.Is(recorded, "/e", ("_p", Identity), ("_n", EventName), (PropertyName, Value));
        var set = CallAssert.OnlyTo(calls, "/s");
        CallAssert.Is(set, "/s", ("_p", Identity), (PropertyName, Value), ("région", "Île-de-France"));
        var alias = CallAssert.OnlyTo(calls, "/a");
        CallAssert.Is(alias, "/a", ("_p", "legacy + 1 / é"), ("_n", Identity));

        // On the wire: RFC 3986 percent-encoding, %20 for a space and %2B for '+', UTF-8 for the rest.
        foreach (var call in calls)
        {
            AssertEncoded(call);
        }

        Assert.Equal(Uri.EscapeDataString(EventName), recorded.RawValueOf("_n"));
        Assert.Equal(Uri.EscapeDataString(Identity), recorded.RawValueOf("_p"));
        Assert.Equal(Uri.EscapeDataString(Value), recorded.RawValueOf(PropertyName));
        Assert.Contains(recorded.RawPairs, p => p.Key == Uri.EscapeDataString(PropertyName));
        Assert.Contains("%20", recorded.RawValueOf("_n"), StringComparison.Ordinal);
        Assert.Contains("%2B", recorded.RawValueOf("_n"), StringComparison.Ordinal);
        Assert.Contains("%40", recorded.RawValueOf("_p"), StringComparison.Ordinal);
        Assert.Contains("%C3%A9", recorded.RawValueOf("_n"), StringComparison.Ordinal);
        Assert.Contains("%F0%9F%8E%89", recorded.RawValueOf(PropertyName), StringComparison.Ordinal);
        Assert.Equal("legacy%20%2B%201%20%2F%20%C3%A9", alias.RawValueOf("_p"));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task Numbers_dates_booleans_and_enums_are_invariant_under_a_comma_decimal_culture(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Signed Up")
                .With("score", x => x.Score)
                .With("balance", x => x.Balance)
                .With("visits", x => x.Visits)
                .With("last seen", x => x.LastSeen)
                .With("signed up", x => x.SignedUpAt)
                .With("vip", x => x.IsVip)
                .With("tier", x => x.Tier)
                .With("country", x => x.Country)
                .With("negative", x => -x.Score - 1);
        }));

        var saved = CultureInfo.CurrentCulture;
        var savedUi = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentCulture = GermanLike();
        CultureInfo.CurrentUICulture = GermanLike();
        try
        {
            // The culture really is hostile: this is what a culture-sensitive formatter would send.
            Assert.Equal("1,5", 1.5.ToString(CultureInfo.CurrentCulture));

            host.Add(
                new ShopCustomer
                {
                    Email = "vip@example.com",
                    Score = 1.5,
                    Balance = 1234567.25m,
                    Visits = 1234567,
                    LastSeen = new DateTime(2024, 1, 2, 3, 4, 5, 500, DateTimeKind.Utc),
                    SignedUpAt = new DateTimeOffset(2024, 1, 2, 5, 4, 5, TimeSpan.FromHours(2)),
                    IsVip = true,
                    Tier = ShopTier.Gold,
                    Country = null,
                },
                new ShopCustomer
                {
                    Email = "plain@example.com",
                    Score = 0,
                    LastSeen = new DateTime(2024, 12, 31, 23, 59, 59, DateTimeKind.Utc),
                    SignedUpAt = new DateTimeOffset(2024, 12, 31, 20, 0, 0, TimeSpan.FromHours(-5)),
                    IsVip = false,
                    Tier = ShopTier.Free,
                });
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
            CultureInfo.CurrentUICulture = savedUi;
        }

        var calls = await host.FlushedCallsAsync();
        CallAssert.Is(
            Assert.Single(calls, c => c.Get("_p") == "vip@example.com"),
            "/e",
            ("_p", "vip@example.com"),
            ("_n", "Signed Up"),
            ("score", "1.5"),
            ("balance", "1234567.25"),
            ("visits", "1234567"),
            ("last seen", "2024-01-02T03:04:05.5Z"),
            ("signed up", "2024-01-02T03:04:05Z"),
            ("vip", "true"),
            ("tier", "Gold"),
            ("negative", "-2.5"));
        CallAssert.Is(
            Assert.Single(calls, c => c.Get("_p") == "plain@example.com"),
            "/e",
            ("_p", "plain@example.com"),
            ("_n", "Signed Up"),
            ("score", "0"),
            ("balance", "0"),
            ("visits", "0"),
            ("last seen", "2024-12-31T23:59:59Z"),
            ("signed up", "2025-01-01T01:00:00Z"),
            ("vip", "false"),
            ("tier", "Free"),
            ("negative", "-1"));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task A_date_read_back_from_the_database_is_sent_as_UTC(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnChanged(x => x.Plan).Record("Changed Plan").With("last seen", x => x.LastSeen).With("plan", x => x.Plan);
        }));
        host.Add(new ShopCustomer { Email = "ann@example.com", Plan = "basic", LastSeen = new DateTime(2023, 6, 7, 8, 9, 10, DateTimeKind.Utc) });

        // Loaded from SQLite, the DateTime comes back with Kind = Unspecified.
        host.WithContext(db =>
        {
            var ann = db.Customers.Single();
            Assert.Equal(DateTimeKind.Unspecified, ann.LastSeen.Kind);
            ann.Plan = "pro";
            db.SaveChanges();
        });

        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/e", ("_p", "ann@example.com"), ("_n", "Changed Plan"), ("last seen", "2023-06-07T08:09:10Z"), ("plan", "pro"));
    }

    /// <summary>de-DE when the machine has it, with a comma decimal, a dot group separator and a Unicode minus.</summary>
    private static CultureInfo GermanLike()
    {
        CultureInfo culture;
        try
        {
            culture = (CultureInfo)CultureInfo.GetCultureInfo("de-DE").Clone();
        }
        catch (CultureNotFoundException)
        {
            culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        }

        culture.NumberFormat.NumberDecimalSeparator = ",";
        culture.NumberFormat.NumberGroupSeparator = ".";
        culture.NumberFormat.NegativeSign = "\u2212";
        culture.DateTimeFormat.DateSeparator = ".";
        culture.DateTimeFormat.TimeSeparator = "·";
        return culture;
    }

    private static void AssertEncoded(ReceivedCall call)
    {
        // Nothing but unreserved characters, '%XX' escapes, and the '&'/'=' that separate the pairs.
        foreach (var pair in call.RawPairs)
        {
            foreach (var part in new[] { pair.Key, pair.Value })
            {
                Assert.DoesNotContain(' ', part);
                Assert.DoesNotContain('+', part);
                Assert.All(part, ch => Assert.True(
                    char.IsAsciiLetterOrDigit(ch) || ch is '-' or '.' or '_' or '~' or '%',
                    $"'{ch}' is not encoded in {call.RawQuery}"));
                Assert.Equal(Uri.EscapeDataString(Uri.UnescapeDataString(part)), part);
            }
        }
    }
}
