using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Tenants;

/// <summary>
/// Issue 17, "a key per tenant": <see cref="IKissTenants.GetApiKey"/> gives a tenant's calls its own key (null: the
/// application's), on GETs and on long calls' POSTs, from the outbox and from direct delivery; the outbox keeps the
/// tenant's id in the row's header line, never a key, and no log holds one.
/// </summary>
public sealed class TenantApiKeyTests : SaasTestBase
{
    private const string KeyA = "tenant-A-key/+=1";
    private const string KeyB = "tenant-B-key-2";

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task Each_tenants_calls_arrive_with_its_own_key_and_a_tenant_without_one_uses_the_applications_on_GET_and_POST(Delivery delivery)
    {
        await using var host = await StartAsync(delivery);

        foreach (var tenant in new[] { "a", "b", "c" })
        {
            await host.InTenantAsync(tenant, async db =>
            {
                // The same person in every tenant, one of the tenant's own, and a call too long for a GET.
                db.Members.Add(new SaasMember { Email = "ann@example.com", Plan = $"{tenant}-basic" });
                db.Members.Add(new SaasMember { Email = $"bob@{tenant}.test", Plan = $"{tenant}-{new string('x', 2500)}" });
                await db.SaveChangesAsync();
            });
        }

        await host.Dispatcher.FlushAsync();
        await Server.WaitForCallsAsync(6, Deadline);

        var calls = Server.Calls;
        Assert.Equal(6, calls.Count);
        foreach (var (tenant, key) in new[] { ("a", KeyA), ("b", KeyB), ("c", SaasHost.ApiKey) })
        {
            var own = calls.Where(c => c.Get("plan")!.StartsWith(tenant + "-", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, own.Count);
            Assert.All(own, c => Assert.Equal(key, c.Get("_k")));
            Assert.All(own, c => Assert.Single(c.RawPairs, p => p.Key == "_k"));
            Assert.Equal("GET", Assert.Single(own, c => c.Get("_p") == "ann@example.com").Method);
            var post = Assert.Single(own, c => c.Get("_p") == $"bob@{tenant}.test");
            Assert.Equal("POST", post.Method);
            Assert.DoesNotContain("_k", post.UrlQuery, StringComparison.Ordinal);
            Assert.StartsWith("_k=", post.Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_outbox_row_names_the_tenant_never_its_key_and_no_log_holds_a_key()
    {
        await using var host = await StartAsync(Delivery.Outbox, start: false);

        await host.SignUpAsync("a", "ann@example.com");
        await host.SignUpAsync("b", "ann@example.com");
        await host.SignUpAsync("c", "ann@example.com");

        foreach (var tenant in new[] { "a", "b", "c" })
        {
            var row = Assert.Single(OutboxRows.Read(host.DatabaseOf(tenant)));
            Assert.Equal($"_tenant={tenant}", row.Calls.Split('\n')[0]);
            Assert.Contains("\ne?_p=ann%40example.com&_n=Signed%20Up", row.Calls, StringComparison.Ordinal);
            foreach (var secret in new[] { KeyA, KeyB, SaasHost.ApiKey, Uri.EscapeDataString(KeyA), "_k" })
            {
                Assert.DoesNotContain(secret, row.Calls, StringComparison.Ordinal);
            }
        }

        // A retry and a refusal: the attempt's errors are logged and stored, without a key.
        Server.RespondNext(FakeResponse.Status(503), FakeResponse.Status(400));
        await host.Dispatcher.FlushAsync();
        await host.StartAsync();
        await Server.WaitUntilAsync((ok, _) => ok.Count == 2, "the two other calls delivered", Deadline);
        await host.StopAsync();

        Assert.Contains(Server.AllRequests, r => r.StatusCode == 400);
        foreach (var tenant in new[] { "a", "b", "c" })
        {
            foreach (var row in OutboxRows.Read(host.DatabaseOf(tenant)))
            {
                Assert.DoesNotContain("key", row.Calls + row.LastError, StringComparison.OrdinalIgnoreCase);
            }
        }

        Assert.NotEmpty(host.Logs.Kiss);
        foreach (var entry in host.Logs.Entries)
        {
            foreach (var secret in new[] { KeyA, KeyB, SaasHost.ApiKey, Uri.EscapeDataString(KeyA), "_k=" })
            {
                Assert.False(entry.FullText.Contains(secret, StringComparison.Ordinal), $"A key is in: {entry}");
            }
        }
    }

    [Fact]
    public async Task Tenants_sharing_a_database_are_sent_each_with_its_own_key()
    {
        await using var host = await StartAsync(Delivery.Outbox);
        host.AddTenantOn("a2", sharedWith: "a", key: "tenant-A2-key");

        await host.SignUpAsync("a", "ann@a.test");
        await host.SignUpAsync("a2", "ann@a2.test");
        await host.SignUpAsync("b", "ann@b.test");
        await host.Dispatcher.FlushAsync();
        await Server.WaitForCallsAsync(3, Deadline);

        Assert.Equal(
            [("ann@a.test", KeyA), ("ann@a2.test", "tenant-A2-key"), ("ann@b.test", KeyB)],
            Server.Calls.Select(c => (c.Get("_p")!, c.Get("_k")!)).Order());
    }

    [Fact]
    public async Task A_key_that_cannot_be_read_keeps_the_call_in_the_outbox_until_it_can()
    {
        var keys = new FlakyKeys();
        await using var host = await StartAsync(Delivery.Outbox, services: s => s.AddSingleton(keys), kiss: k => k.UseTenants<FlakyKeyTenants>());
        keys.Failing = true;

        await host.SignUpAsync("a", "ann@example.com");
        await OutboxCalls.EventuallyAsync(
            () => Task.FromResult(OutboxRows.Read(host.DatabaseOf("a")).Any(r => r.Attempts >= 2)),
            Deadline,
            () => Task.FromResult(string.Join("; ", OutboxRows.Read(host.DatabaseOf("a")))));

        Assert.Empty(Server.AllRequests);
        var waiting = Assert.Single(OutboxRows.Read(host.DatabaseOf("a")));
        Assert.Null(waiting.DeadAt);
        Assert.Contains("IKissTenants.GetApiKey failed for tenant 'a' (KeyNotFoundException)", waiting.LastError, StringComparison.Ordinal);

        keys.Failing = false;
        await Server.WaitForCallsAsync(1, Deadline);
        Assert.Equal(KeyA, Server.Calls[0].Get("_k"));
    }

    [Fact]
    public async Task With_direct_delivery_a_key_that_cannot_be_read_gives_the_call_up()
    {
        var keys = new FlakyKeys { Failing = true };
        await using var host = await StartAsync(Delivery.Direct, services: s => s.AddSingleton(keys), kiss: k => k.UseTenants<FlakyKeyTenants>());

        await host.SignUpAsync("a", "ann@example.com");
        await host.Dispatcher.FlushAsync();

        Assert.Empty(Server.AllRequests);
        var failed = Assert.Single(host.Logs.WithEventId(KissEfEventId.DeliveryFailed));
        Assert.Contains("IKissTenants.GetApiKey failed for tenant 'a' (KeyNotFoundException)", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dry_run_logs_a_tenants_call_with_the_key_redacted()
    {
        await using var host = await StartAsync(Delivery.Outbox, kiss: k => k.UseDryRun());

        await host.SignUpAsync("a", "ann@example.com");
        await host.Dispatcher.FlushAsync();

        var line = Assert.Single(host.Logs.Entries, e => e.Category == KissEf.Internal.Logging.KissLogCategories.DryRun);
        Assert.Contains("?_k=***&_p=ann%40example.com", line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("tenant-A", line.FullText, StringComparison.Ordinal);
        Assert.Empty(Server.AllRequests);
    }

    private async Task<SaasHost> StartAsync(Delivery delivery, bool start = true, Action<KissTrackingBuilder>? kiss = null, Action<IServiceCollection>? services = null)
    {
        var host = SaasHost.Create(
            Server,
            k =>
            {
                k.Configure(o => o.MaxPropertyValueLength = 8192);
                if (delivery == Delivery.Direct)
                {
                    k.UseDirectDelivery();
                }

                kiss?.Invoke(k);
            },
            services);
        await host.AddTenantAsync("a", KeyA);
        await host.AddTenantAsync("b", KeyB);
        await host.AddTenantAsync("c");
        if (start)
        {
            await host.StartAsync();
        }

        return host;
    }

    /// <summary>Whether <see cref="FlakyKeyTenants"/> can read keys now.</summary>
    private sealed class FlakyKeys
    {
        public volatile bool Failing;
    }

    /// <summary>The application's tenants, whose key store cannot be read while <see cref="FlakyKeys.Failing"/>.</summary>
    private sealed class FlakyKeyTenants(SaasTenantDirectory directory, FlakyKeys keys) : IKissTenants
    {
        private readonly SaasTenants _tenants = new(directory);

        public ValueTask<IReadOnlyCollection<string>> GetTenantIdsAsync(CancellationToken cancellationToken) => _tenants.GetTenantIdsAsync(cancellationToken);

        public ValueTask EnterAsync(IServiceProvider scope, string tenantId, CancellationToken cancellationToken) => _tenants.EnterAsync(scope, tenantId, cancellationToken);

        public string? GetCurrentTenantId(IServiceProvider scope) => _tenants.GetCurrentTenantId(scope);

        public string? GetApiKey(string tenantId) => keys.Failing ? throw new KeyNotFoundException("the key store is down") : _tenants.GetApiKey(tenantId);
    }
}
