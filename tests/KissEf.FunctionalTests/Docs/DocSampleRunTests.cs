using KissEf.Testing;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Shop.Maps;
using Shop.Transactions;

namespace KissEf.Tests.Docs;

/// <summary>
/// The docs' samples that can run do, so that what their comments and pages say is what happens: the maps page's
/// customer map, the transactions page's commit and rollback, the backfill page, the outbox's operations and the
/// configuration page's JSON.
/// </summary>
public sealed class DocSampleRunTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly SqliteDatabase _database = new();

    [Fact]
    public async Task The_maps_page_customer_map_records_what_its_comments_say()
    {
        await using var host = await StartAsync<StoreContext>(kiss => kiss.UseRecorder().ApplyConfiguration(new Shop.Maps.CustomerTracking()));
        var recorder = host.Services.GetRequiredService<KissRecorder>();

        await WithAsync<StoreContext>(host.Services, async db =>
        {
            db.Customers.Add(new Customer { Email = "ann@example.com", LegacyId = "legacy-7", Plan = "Free", Gender = "f" });
            await db.SaveChangesAsync();
        });
        Assert.Collection(
            recorder.Calls,
            alias => Assert.Equal(("legacy-7", "ann@example.com", KissRecordedCallKind.Alias), (alias.Person, alias.Name, alias.Kind)),
            signedUp =>
            {
                Assert.Equal(("ann@example.com", "Signed Up"), (signedUp.Person, signedUp.Name));
                Assert.Equal(new Dictionary<string, string> { ["plan"] = "Free", ["gender"] = "f" }, signedUp.Properties);
            });

        recorder.Clear();
        await WithAsync<StoreContext>(host.Services, async db =>
        {
            var ann = await db.Customers.SingleAsync();
            ann.Plan = "Pro";
            ann.Country = "FR";
            ann.Region = "Bretagne";
            await db.SaveChangesAsync();
        });
        var changed = Assert.Single(recorder.Calls, c => c.Name == "Changed Plan");
        Assert.Equal(new Dictionary<string, string> { ["plan"] = "Pro", ["previous plan"] = "Free" }, changed.Properties);
        var set = Assert.Single(recorder.Calls, c => c.Kind == KissRecordedCallKind.Set);
        Assert.Equal(new Dictionary<string, string> { ["country"] = "FR", ["region"] = "Bretagne" }, set.Properties);
        Assert.DoesNotContain(recorder.Calls, c => c.Name == "VIP Updated");

        recorder.Clear();
        await WithAsync<StoreContext>(host.Services, async db =>
        {
            var ann = await db.Customers.SingleAsync();
            ann.IsVip = true;
            ann.Email = "ann@example.org";
            await db.SaveChangesAsync();
        });
        Assert.Single(recorder.Calls, c => c.Name == "VIP Updated" && c.Person == "ann@example.org");
        Assert.Single(recorder.Calls, c => c is { Kind: KissRecordedCallKind.Alias, Person: "ann@example.com", Name: "ann@example.org" });

        recorder.Clear();
        await WithAsync<StoreContext>(host.Services, async db =>
        {
            db.Customers.Remove(await db.Customers.SingleAsync());
            await db.SaveChangesAsync();
        });
        var closed = Assert.Single(recorder.Calls);
        Assert.Equal(("ann@example.org", "Closed Account"), (closed.Person, closed.Name));
    }

    [Fact]
    public async Task The_maps_page_tenant_identity_makes_one_email_in_three_tenants_three_persons_and_none_without_a_tenant()
    {
        await using var host = await StartAsync<StoreContext>(
            kiss => kiss.UseRecorder().ApplyConfiguration(new MemberTracking()),
            services => services.AddScoped<SampleTenant>().AddScoped<ITenantContext>(sp => sp.GetRequiredService<SampleTenant>()));

        foreach (var tenant in new[] { "acme", "globex", "initech", null })
        {
            await using var scope = host.Services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<SampleTenant>().Id = tenant;
            var db = scope.ServiceProvider.GetRequiredService<StoreContext>();
            db.Members.Add(new Member { Email = "ann@example.com" });
            await db.SaveChangesAsync();
        }

        var recorder = host.Services.GetRequiredService<KissRecorder>();
        Assert.Equal(["acme:ann@example.com", "globex:ann@example.com", "initech:ann@example.com"], recorder.Calls.Select(c => c.Person));
        Assert.All(recorder.Calls, c => Assert.Equal("Joined", c.Name));
    }

    [Fact]
    public async Task The_maps_page_modules_add_their_maps_to_one_configuration_and_a_later_UseRecorder_replaces_the_delivery()
    {
        var builder = Host.CreateApplicationBuilder();
        Shop.Maps.MapRegistration.RegisterByModule(builder);
        builder.Services.AddKissTracking(kiss => kiss.UseRecorder());
        builder.Services.AddDbContext<StoreContext>((sp, db) => db.UseSqlite(_database.ConnectionString).UseKissTracking(sp));
        var built = builder.Build();
        await WithAsync<StoreContext>(built.Services, db => db.Database.EnsureCreatedAsync());
        await built.StartAsync();
        await using var host = new RunningHost(built);

        await WithAsync<StoreContext>(host.Services, async db =>
        {
            var ann = new Customer { Email = "ann@example.com", Plan = "Free" };
            db.Orders.Add(new Order { Customer = ann, Total = 12m, PlacedAt = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero) });
            await db.SaveChangesAsync();
        });

        var recorder = host.Services.GetRequiredService<KissRecorder>();
        Assert.Equal(["Purchased", "Signed Up"], recorder.Calls.Select(c => c.Name).Order(StringComparer.Ordinal));
        Assert.Null(host.Services.GetService<IKissOutbox>());
    }

    [Fact]
    public async Task The_transactions_page_two_saves_leave_at_the_commit_and_a_rollback_records_nothing()
    {
        await using var host = await StartAsync<Shop.ShopContext>(kiss => kiss.UseRecorder().ApplyConfiguration(new Shop.CustomerTracking()));
        var recorder = host.Services.GetRequiredService<KissRecorder>();

        await WithAsync<Shop.ShopContext>(host.Services, db => TransactionSamples.RolledBackAsync(db, CancellationToken.None));
        Assert.Empty(recorder.Calls);

        await WithAsync<Shop.ShopContext>(host.Services, db => TransactionSamples.TwoSavesOneCommitAsync(db, CancellationToken.None));
        Assert.Equal(["ann@example.com", "bob@example.com"], recorder.Calls.Select(c => c.Person));
    }

    [Fact]
    public async Task The_backfill_page_enqueues_the_orders_not_cancelled_and_exports_every_order()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        await using var host = await StartAsync<StoreContext>(kiss => kiss
            .UseApiKey("docs-key")
            .UseEndpoint(server.Endpoint)
            .ApplyConfiguration(new OrderTracking()));
        var placed = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        // Rows from before KissEf: written by a context without tracking.
        var options = new DbContextOptionsBuilder<StoreContext>().UseSqlite(_database.ConnectionString).Options;
        await using (var plain = new StoreContext(options))
        {
            var ann = new Customer { Email = "ann@example.com" };
            plain.Orders.AddRange(
                new Order { Customer = ann, Total = 120m, PlacedAt = placed.AddDays(-30) },
                new Order { Customer = ann, Total = 35.5m, PlacedAt = placed.AddDays(-2) },
                new Order { Customer = ann, Total = 9.99m, PlacedAt = placed.AddDays(3), Status = "Cancelled" });
            await plain.SaveChangesAsync();
        }

        var export = Path.Combine(Path.GetTempPath(), $"kissef-docs-{Guid.NewGuid():N}.jsonl");
        try
        {
            var (enqueued, exported) = await WithAsync<StoreContext, (KissBackfillReport, KissBackfillReport)>(
                host.Services, db => Shop.Backfill.BackfillSamples.RunAsync(host.Services, db, export, CancellationToken.None));

            Assert.Equal((2, 2), (enqueued.RowsRead, enqueued.CallsWritten));
            Assert.Equal((3, 3), (exported.RowsRead, exported.CallsWritten));
            var lines = await File.ReadAllLinesAsync(export);
            Assert.Equal(3, lines.Length);
            Assert.All(lines, l => Assert.Contains("\"_n\":\"Purchased\"", l, StringComparison.Ordinal));

            using var flush = new CancellationTokenSource(Deadline);
            await host.Services.GetRequiredService<IKissDispatcher>().FlushAsync(flush.Token);
            Assert.Equal(2, server.Calls.Count(c => c.Get("_n") == "Purchased"));

            var state = await Shop.Delivery.OutboxOperations.OperateAsync(host.Services, CancellationToken.None);
            Assert.Equal((0, 0), (state.PendingCalls, state.DeadCalls));
        }
        finally
        {
            File.Delete(export);
        }
    }

    [Fact]
    public async Task The_delivery_page_retries_the_5xx_group_and_purges_the_4xx_group()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        await using var host = await StartAsync<StoreContext>(kiss => kiss
            .UseApiKey("docs-key")
            .UseEndpoint(server.Endpoint)
            .ApplyConfiguration(new Shop.Maps.CustomerTracking())
            .Configure(o => o.OutboxMaxAttempts = 1));
        var dispatcher = host.Services.GetRequiredService<IKissDispatcher>();
        using var flush = new CancellationTokenSource(Deadline);
        foreach (var (status, email) in new[] { (503, "ann@example.com"), (400, "bob@example.com") })
        {
            server.AlwaysFail(status);
            await WithAsync<StoreContext>(host.Services, async db =>
            {
                db.Customers.Add(new Customer { Email = email, Plan = "free" });
                await db.SaveChangesAsync();
            });
            await dispatcher.FlushAsync(flush.Token);
        }

        server.Recover();
        server.Reset();
        var (groups, retried, purged) = await Shop.Delivery.OutboxOperations.ByGroupAsync(host.Services, CancellationToken.None);
        await dispatcher.FlushAsync(flush.Token);

        Assert.Equal(["HTTP 400 (BadRequest)", "HTTP 503 (ServiceUnavailable)"], groups.Select(g => g.Error).Order(StringComparer.Ordinal));
        Assert.Equal((1, 1), (retried, purged));
        Assert.All(server.Calls, c => Assert.Equal("ann@example.com", c.Get("_p")));
        Assert.NotEmpty(server.Calls);
        Assert.Empty(await host.Services.GetRequiredService<IKissOutbox>().GetDeadGroupsAsync());
    }

    [Fact]
    public async Task The_privacy_page_forgets_a_person_whose_calls_wait_and_the_others_are_sent()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        await using var host = await StartAsync<StoreContext>(kiss => kiss
            .UseApiKey("docs-key")
            .UseEndpoint(server.Endpoint)
            .ApplyConfiguration(new Shop.Maps.CustomerTracking()));
        var dispatcher = host.Services.GetRequiredService<IKissDispatcher>();
        using var flush = new CancellationTokenSource(Deadline);

        // The endpoint is down: both sign-ups wait in the outbox.
        server.AlwaysFail(503);
        await WithAsync<StoreContext>(host.Services, async db =>
        {
            db.Customers.AddRange(new Customer { Email = "ann@example.com", Plan = "free" }, new Customer { Email = "bob@example.com", Plan = "pro" });
            await db.SaveChangesAsync();
        });
        var report = await Shop.Privacy.ErasureRequest.ForgetAsync(host.Services, "Ann@Example.com", CancellationToken.None);
        server.Recover();
        server.Reset();

        // Bob's call is sent at its row's next attempt; then nothing is left to send.
        await server.WaitForCallsAsync(1, Deadline);
        await dispatcher.FlushAsync(flush.Token);
        Assert.Equal(new KissForgetReport(1, 0), report);
        Assert.Equal("bob@example.com", Assert.Single(server.Calls).Get("_p"));
        Assert.Equal(0, (await host.Services.GetRequiredService<IKissOutbox>().GetStateAsync()).PendingCalls);
    }

    [Fact]
    public async Task The_bulk_operations_page_ships_the_placed_orders_with_their_calls_and_a_rolled_back_one_sends_none()
    {
        await using var host = await StartAsync<StoreContext>(kiss => kiss.UseRecorder().ApplyConfiguration(new OrderTracking()));
        var recorder = host.Services.GetRequiredService<KissRecorder>();
        var placed = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await WithAsync<StoreContext>(host.Services, async db =>
        {
            var ann = new Customer { Email = "ann@example.com" };
            var bob = new Customer { Email = "bob@example.com" };
            db.Orders.AddRange(
                new Order { Customer = ann, Total = 10m, PlacedAt = placed },
                new Order { Customer = bob, Total = 20m, PlacedAt = placed },
                new Order { Customer = bob, Total = 30m, PlacedAt = placed, Status = "Cancelled" });
            await db.SaveChangesAsync();
        });
        recorder.Clear();

        var now = placed.AddDays(1);
        var (shipped, purged) = await WithAsync<StoreContext, (int, int)>(host.Services, db => Shop.Bulk.BulkSamples.RunAsync(db, now, CancellationToken.None));

        Assert.Equal((2, 1), (shipped, purged));
        Assert.Equal(["ann@example.com", "bob@example.com"], recorder.Calls.Select(c => c.Person).Order(StringComparer.Ordinal));
        Assert.All(recorder.Calls, c => Assert.Equal(KissRecordedCallKind.Set, c.Kind));
        Assert.All(recorder.Calls, c => Assert.Equal(now, c.Time));

        recorder.Clear();
        Assert.Equal(2, await WithAsync<StoreContext, int>(host.Services, db => Shop.Bulk.BulkSamples.InTransactionAsync(db, CancellationToken.None)));
        Assert.Empty(recorder.Calls);
    }

    [Fact]
    public void The_configuration_page_json_binds_every_setting_it_shows()
    {
        var json = Path.Combine(Repository.Root(), "docs", "samples", "KissEf.DocSamples", "Configuration", "kissmetrics.example.json");
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddJsonFile(json);
        builder.Services.AddKissTracking(builder.Configuration.GetSection("KissMetrics"), kiss => kiss.UseDryRun());
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptions<KissTrackingOptions>>().Value;

        Assert.Equal(KissDelivery.Outbox, options.Delivery);
        Assert.Equal(8, options.MaxConcurrency);
        Assert.Equal(TimeSpan.FromSeconds(5), options.PollInterval);
        Assert.Equal(TimeSpan.FromDays(14), options.MaxAge);
    }

    public void Dispose() => _database.Dispose();

    internal static async Task WithAsync<TContext>(IServiceProvider services, Func<TContext, Task> work)
        where TContext : DbContext
    {
        await using var scope = services.CreateAsyncScope();
        await work(scope.ServiceProvider.GetRequiredService<TContext>());
    }

    private static async Task<TResult> WithAsync<TContext, TResult>(IServiceProvider services, Func<TContext, Task<TResult>> work)
        where TContext : DbContext
    {
        await using var scope = services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<TContext>());
    }

    private async Task<RunningHost> StartAsync<TContext>(Action<KissTrackingBuilder> kiss, Action<IServiceCollection>? services = null)
        where TContext : DbContext
    {
        var builder = Host.CreateApplicationBuilder();
        services?.Invoke(builder.Services);
        builder.Services.AddKissTracking(kiss);
        builder.Services.AddDbContext<TContext>((sp, db) => db.UseSqlite(_database.ConnectionString).UseKissTracking(sp));
        var host = builder.Build();
        await WithAsync<TContext>(host.Services, db => db.Database.EnsureCreatedAsync());
        await host.StartAsync();
        return new RunningHost(host);
    }

    /// <summary>The tenant of a scope, as the maps page's application resolves it per request.</summary>
    private sealed class SampleTenant : ITenantContext
    {
        public string? Id { get; set; }
    }

    /// <summary>A started host, stopped (its dispatcher drained) and disposed at the end of the test.</summary>
    private sealed class RunningHost(IHost host) : IAsyncDisposable
    {
        public IServiceProvider Services => host.Services;

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}
