using System.Text;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.Extensions.Options;

namespace KissEf.Tests.Protocol;

/// <summary>
/// A call whose request line would be over 2,000 characters goes as a POST with the same parameters as a form
/// body (key first in the body, never in the URL); shorter ones stay GETs. The value limit is an option.
/// </summary>
public sealed class LongCallTests
{
    private const int MaxRequestLine = 2000;
    private static readonly DateTimeOffset SignedUp = new(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task A_request_line_of_2000_characters_is_a_GET_and_one_of_2001_a_POST_with_the_same_parameters(Delivery delivery)
    {
        await using var host = await StartAsync(delivery, o => o.MaxPropertyValueLength = 8192);

        // A short call gives the length of everything but the value (same identity length, same _t).
        host.Add(new ShopCustomer { Email = "a0@example.com", Plan = "v", SignedUpAt = SignedUp });
        var probe = Assert.Single(await host.FlushedCallsAsync());
        var length = 1 + MaxRequestLine - RequestLine(host, probe);

        host.Add(
            new ShopCustomer { Email = "a1@example.com", Plan = new string('v', length), SignedUpAt = SignedUp },
            new ShopCustomer { Email = "a2@example.com", Plan = new string('w', length + 1), SignedUpAt = SignedUp });
        var calls = await host.FlushedCallsAsync();

        var get = Assert.Single(calls, c => c.Get("_p") == "a1@example.com");
        Assert.Equal("GET", get.Method);
        Assert.Equal(MaxRequestLine, RequestLine(host, get));
        Assert.Null(get.Body);

        var post = Assert.Single(calls, c => c.Get("_p") == "a2@example.com");
        AssertPost(post, "/e");
        Assert.Equal(
            [("_k", TestHost.ApiKey), ("_p", "a2@example.com"), ("_n", "Signed Up"), ("_t", CallAssert.UnixSeconds(SignedUp)), ("_d", "1"), ("plan", new string('w', length + 1))],
            StrictPercentDecoder.DecodePairs(post.Body!).Select(p => (p.Key, p.Value)));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task A_call_longer_than_a_servers_8_KB_request_line_arrives_whole_by_POST_and_a_retry_carries_the_key_once(Delivery delivery)
    {
        await using var host = await StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Signed Up").With("plan", x => x.Plan).With("gender", x => x.Gender).With("country", x => x.Country).With("region", x => x.Region);
            c.OnAdded().Set("plan", x => x.Plan).Set("gender", x => x.Gender).Set("country", x => x.Country).Set("region", x => x.Region);
        }));
        var value = Fill("&_k=%00 +é/", "日本🎉", 512);
        Assert.Equal(512, value.Length);

        // Kestrel's default limit on a request line is 8 KB: as GETs these calls (over 15,000 characters each) would be refused.
        host.Server.FailNext(1, 503);
        host.Add(new ShopCustomer { Email = "ann+1@example.com", Plan = value, Gender = value, Country = value, Region = value });

        // The outbox retries the failed row after its backoff, direct delivery within the flush.
        await host.FlushAsync();
        await host.Server.WaitForCallsAsync(2, TimeSpan.FromSeconds(20));
        var calls = host.Server.Calls;
        Assert.Equal(2, calls.Count);
        Assert.Contains(host.Server.AllRequests, r => r.StatusCode == 503);
        Assert.All(host.Server.AllRequests, r => AssertPost(r, r.Path));
        foreach (var call in calls)
        {
            Assert.True(call.Body!.Length > 15_000, call.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var pairs = StrictPercentDecoder.DecodePairs(call.Body);
            foreach (var name in new[] { "plan", "gender", "country", "region" })
            {
                Assert.Equal(value, Assert.Single(pairs, p => p.Key == name).Value);
            }

            Assert.Equal("ann+1@example.com", Assert.Single(pairs, p => p.Key == "_p").Value);
            Assert.Contains("%20", call.Body, StringComparison.Ordinal);
            Assert.Contains("%2B", call.Body, StringComparison.Ordinal);
            Assert.DoesNotContain('+', call.Body);
        }

        CallAssert.Is(calls.Single(c => c.Path == "/s") with { Method = "GET" }, "/s", ("_p", "ann+1@example.com"), ("plan", value), ("gender", value), ("country", value), ("region", value));
        AssertNoKeyLogged(host);
    }

    [Fact]
    public async Task A_dry_run_logs_a_long_call_as_a_POST_with_the_key_redacted()
    {
        await using var host = await StartAsync(Delivery.Outbox, kiss =>
        {
            kiss.UseDryRun();
            kiss.Entity<ShopCustomer>(c =>
            {
                c.HasIdentity(x => x.Email);
                c.OnAdded().Record("Signed Up").With("plan", x => x.Plan);
            });
        });

        host.Add(new ShopCustomer { Email = "ann@example.com", Plan = "p " + new string('日', 500) }, new ShopCustomer { Email = "bob@example.com", Plan = "short" });
        await host.FlushAsync();

        Assert.Empty(host.Server.AllRequests);
        var logged = host.Logs.WithEventId(2005).Select(e => e.Message).ToList();
        Assert.Equal(2, logged.Count);
        var post = Assert.Single(logged, m => m.Contains("POST ", StringComparison.Ordinal));
        Assert.Contains($"POST {host.Server.Endpoint}e _k=***&_p=ann%40example.com&", post, StringComparison.Ordinal);
        Assert.Contains("=p%20%E6%97%A5%E6%97%A5", post, StringComparison.Ordinal);
        Assert.Contains($"{host.Server.Endpoint}e?_k=***&_p=bob%40example.com&", Assert.Single(logged, m => !m.Contains("POST ", StringComparison.Ordinal)), StringComparison.Ordinal);
        AssertNoKeyLogged(host);
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task MaxPropertyValueLength_is_the_longest_value_sent(Delivery delivery)
    {
        await using var host = await StartAsync(delivery, o => o.MaxPropertyValueLength = 10);

        host.Add(
            new ShopCustomer { Email = "ann@example.com", Plan = "0123456789", SignedUpAt = SignedUp },
            new ShopCustomer { Email = "bob@example.com", Plan = "0123456789A", SignedUpAt = SignedUp });

        var calls = await host.FlushedCallsAsync();
        CallAssert.Is(Assert.Single(calls, c => c.Get("_p") == "ann@example.com"), "/e", ("_p", "ann@example.com"), ("_n", "Signed Up"), ("plan", "0123456789"));
        CallAssert.Is(Assert.Single(calls, c => c.Get("_p") == "bob@example.com"), "/e", ("_p", "bob@example.com"), ("_n", "Signed Up"));
        var warning = Assert.Single(host.Logs.WithEventId(1002));
        Assert.Contains("'plan'", warning.Message, StringComparison.Ordinal);
        Assert.Contains("ShopCustomer", warning.Message, StringComparison.Ordinal);
        Assert.Contains("limit of 10 (MaxPropertyValueLength)", warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8193)]
    public async Task MaxPropertyValueLength_out_of_1_to_8192_fails_the_start(int length)
    {
        // The options are validated when the host starts (building a context does not validate them: issue 15).
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(Delivery.Outbox, o => o.MaxPropertyValueLength = length));
        Assert.Contains("MaxPropertyValueLength", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The request line as KissEf measures it: GET, the absolute URL with the key, HTTP/1.1.</summary>
    private static int RequestLine(TestHost host, ReceivedCall call)
    {
        Assert.Equal("GET", call.Method);
        return "GET ".Length + host.Server.Endpoint.AbsoluteUri.Length + call.Path.Length - 1 + 1 + call.RawQuery.Length + " HTTP/1.1".Length;
    }

    private static void AssertPost(ReceivedCall call, string path)
    {
        Assert.Equal("POST", call.Method);
        Assert.Equal(path, call.Path);
        Assert.Equal(string.Empty, call.UrlQuery);
        Assert.StartsWith("application/x-www-form-urlencoded", call.ContentType, StringComparison.Ordinal);
        Assert.StartsWith("_k=" + Uri.EscapeDataString(TestHost.ApiKey) + "&", call.Body, StringComparison.Ordinal);
        Assert.Single(call.RawPairs, p => p.Key == "_k");
        Assert.Equal(call.RawPairs.Count, call.Query.Count);
    }

    private static void AssertNoKeyLogged(TestHost host)
    {
        foreach (var entry in host.Logs.Entries)
        {
            Assert.DoesNotContain(TestHost.ApiKey, entry.FullText, StringComparison.Ordinal);
            Assert.DoesNotContain(Uri.EscapeDataString(TestHost.ApiKey), entry.FullText, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cr3t", entry.FullText, StringComparison.Ordinal);
        }
    }

    /// <summary><paramref name="start"/>, <paramref name="unit"/> repeated, then 'x', to exactly <paramref name="length"/> UTF-16 units, no pair split.</summary>
    private static string Fill(string start, string unit, int length)
    {
        var text = new StringBuilder(start, length);
        while (text.Length + unit.Length <= length)
        {
            text.Append(unit);
        }

        return text.Append('x', length - text.Length).ToString();
    }

    private static Task<TestHost> StartAsync(Delivery delivery, Action<KissTrackingOptions> options, bool start = true)
        => TestHost.StartAsync(
            delivery,
            kiss => kiss.Entity<ShopCustomer>(c =>
            {
                c.HasIdentity(x => x.Email);
                c.OnAdded().Record("Signed Up").At(x => x.SignedUpAt).With("plan", x => x.Plan);
            }),
            o =>
            {
                o.Kiss = options;
                o.Start = start;
            });

    private static Task<TestHost> StartAsync(Delivery delivery, Action<KissTrackingBuilder> maps)
        => TestHost.StartAsync(delivery, maps);
}
