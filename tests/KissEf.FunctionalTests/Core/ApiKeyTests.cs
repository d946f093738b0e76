using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.Core;

/// <summary>The API key reaches the server as <c>_k</c>, and nowhere else: not in any log line, not in the outbox.</summary>
public sealed class ApiKeyTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task The_server_receives_the_key_as_k_encoded(Delivery delivery)
    {
        await using var host = await StartAsync(delivery);

        host.Add(new ShopCustomer { Email = "ann@example.com", Plan = "basic", LegacyId = "L-1" });

        var calls = await host.FlushedCallsAsync();
        Assert.Equal(3, calls.Count);
        Assert.All(calls, c =>
        {
            Assert.Equal(TestHost.ApiKey, c.Get("_k"));
            Assert.Equal("core-KEY%2Bs3cr3t%2F%3D7f", c.RawValueOf("_k"));
            Assert.Single(c.RawPairs, p => p.Key == "_k");
        });
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task No_log_line_holds_the_key_or_a_url_during_a_run_with_failures(Delivery delivery)
    {
        await using var host = await StartAsync(delivery, o => o.MaxAttempts = 3);

        // Transient failures (retried), a dropped connection, a 429, then a permanent failure.
        host.Server.RespondNext(
            FakeResponse.Status(500),
            FakeResponse.Abort,
            FakeResponse.TooManyRequests(TimeSpan.FromSeconds(1)),
            FakeResponse.Status(400));
        host.Add(new ShopCustomer { Email = "ann@example.com", Plan = "basic", LegacyId = "L-1" });

        // Bad data, a throwing expression, a failed save, a rolled-back transaction.
        host.Add(new ShopCustomer { Email = new string('x', 300), Plan = new string('p', 600) });
        using (var scope = host.OpenScope())
        {
            scope.Db.Customers.Add(new ShopCustomer { Email = "ann@example.com" });
            Assert.Throws<DbUpdateException>(() => scope.Db.SaveChanges());
        }

        using (var scope = host.OpenScope())
        {
            using var tx = scope.Db.Database.BeginTransaction();
            scope.Db.Customers.Add(new ShopCustomer { Email = "bob@example.com" });
            scope.Db.SaveChanges();
            tx.Rollback();
        }

        host.WithContext(db =>
        {
            var email = "ann@example.com";
            var ann = db.Customers.Single(c => c.Email == email);
            ann.Plan = "pro";
            ann.Email = "ann@new.example.com";
            db.SaveChanges();
        });

        // Every call ends up delivered or given up: 3 from the sign-up, 1 alias on change, 1 alias pair, 1 plan change.
        await host.Server.WaitUntilAsync(
            (_, all) => all.Count >= 8 && all.Select(r => r.Url).Distinct().Count() == 6,
            "every call tried",
            Deadline);
        await host.FlushAsync();
        await host.StopHostAsync();

        Assert.True(host.Server.Calls.Count >= 4, host.Server.AllRequests.Describe());
        Assert.Contains(host.Server.AllRequests, r => r.StatusCode == 500);
        Assert.Contains(host.Server.AllRequests, r => r.StatusCode == 400);

        var escaped = Uri.EscapeDataString(TestHost.ApiKey);
        Assert.NotEmpty(host.Logs.Entries);
        Assert.Contains(host.Logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Trace || e.Level == Microsoft.Extensions.Logging.LogLevel.Debug);
        foreach (var entry in host.Logs.Entries)
        {
            var text = entry.FullText;
            Assert.False(text.Contains(TestHost.ApiKey, StringComparison.Ordinal), $"The key is in: {entry}");
            Assert.False(text.Contains(escaped, StringComparison.OrdinalIgnoreCase), $"The encoded key is in: {entry}");
            Assert.False(text.Contains("s3cr3t", StringComparison.OrdinalIgnoreCase), $"Part of the key is in: {entry}");
            Assert.False(text.Contains("_k=", StringComparison.Ordinal), $"A _k parameter is in: {entry}");
            Assert.False(text.Contains("_p=", StringComparison.Ordinal), $"A tracking query is in: {entry}");
            if (entry.Category.StartsWith("KissEf", StringComparison.Ordinal))
            {
                Assert.False(text.Contains("ann@example.com", StringComparison.Ordinal), $"An identity is in: {entry}");
                Assert.False(text.Contains("basic", StringComparison.Ordinal), $"A value is in: {entry}");
            }
        }
    }

    [Fact]
    public async Task The_outbox_never_stores_the_key()
    {
        await using var host = await StartAsync(Delivery.Outbox, configure: o => o.Start = false);

        host.Add(new ShopCustomer { Email = "ann@example.com", Plan = "basic", LegacyId = "L-1" });

        var stored = string.Join("\n", OutboxRows.Read(host.Database).Select(r => r.Calls));
        Assert.Contains("_p=ann%40example.com", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("_k", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", stored, StringComparison.OrdinalIgnoreCase);

        // Sent from the table, the key is added on the way out.
        var calls = await host.FlushedCallsAsync();
        Assert.Equal(3, calls.Count);
        Assert.All(calls, c => Assert.Equal(TestHost.ApiKey, c.Get("_k")));
    }

    private static Task<TestHost> StartAsync(Delivery delivery, Action<KissTrackingOptions>? options = null, Action<TestHostOptions>? configure = null)
        => TestHost.StartAsync(
            delivery,
            kiss => kiss.Entity<ShopCustomer>(c =>
            {
                c.HasIdentity(x => x.Email);
                c.OnAdded().Record("Signed Up").With("plan", x => x.Plan).With("city", x => x.Plan == "basic" ? null : x.Address!.City);
                c.OnAdded().Set("plan", x => x.Plan);
                c.Alias(x => x.LegacyId, x => x.Email);
                c.AliasOnChange(x => x.Email);
                c.OnChanged(x => x.Plan).Record("Changed Plan").With("plan", x => x.Plan);
            }),
            o =>
            {
                o.Kiss = options;
                configure?.Invoke(o);
            });
}
