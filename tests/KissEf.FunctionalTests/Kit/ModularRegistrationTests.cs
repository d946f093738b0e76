using KissEf.Internal.Direct;
using KissEf.Internal.Outbox.Dispatch;
using KissEf.Testing;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KissEf.Tests.Kit;

/// <summary>
/// Issue 15, item 5: <c>AddKissTracking</c> called once per module adds to one configuration, as <c>AddHealthChecks</c>
/// does: the maps of every call track, the settings of every call apply, the delivery is chosen once (two calls that
/// choose different deliveries fail at the second), and the testing kit's recorder replaces the app's delivery.
/// </summary>
public sealed class ModularRegistrationTests : IDisposable
{
    private readonly SqliteDatabase _database = new();

    [Fact]
    public async Task Maps_from_two_calls_both_track_through_the_outbox()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        var builder = TestHostCore.CreateBuilder(new TestLogCollector(), LogLevel.Warning, shutdownTimeout: TimeSpan.FromSeconds(15));

        // The host's module: the key, the endpoint and the sign-ups; a scoring module adds its own map of the same entity.
        builder.Services.AddKissTracking(kiss => kiss
            .UseApiKey(OutboxShop.ApiKey)
            .UseEndpoint(server.Endpoint)
            .Configure(o => TestHostCore.ApplyTestTimings(o, pollInterval: TimeSpan.FromMilliseconds(50)))
            .Entity<OutboxCustomer>(c =>
            {
                c.HasIdentity(x => x.Email);
                c.OnAdded().Record(OutboxShop.SignedUp).With("name", x => x.Name);
            }));
        builder.Services.AddDbContext<OutboxShopContext>((sp, db) => db.UseSqlite(_database.ConnectionString).UseKissTracking(sp));
        builder.Services.AddKissTracking(kiss => kiss
            .Entity<OutboxCustomer>(c => c.OnChanged(x => x.Score).Record(OutboxShop.Scored).With("score", x => x.Score)));

        using var host = new TestHostCore(builder.Build());
        await WithContextAsync<OutboxShopContext>(host, db => db.Database.EnsureCreatedAsync());
        await host.StartAsync();
        try
        {
            await WithContextAsync<OutboxShopContext>(host, async db =>
            {
                var customer = OutboxTestHost.Customer("mod-1");
                db.Customers.Add(customer);
                await db.SaveChangesAsync();
                customer.Score = 7;
                await db.SaveChangesAsync();
            });
            await host.Services.GetRequiredService<IKissDispatcher>().FlushAsync();

            OutboxCalls.AssertSameCalls(
                [OutboxCalls.SignedUp("mod-1"), OutboxCalls.Scored(OutboxTestHost.EmailOf("mod-1"), 7)],
                server.Calls.Select(OutboxCalls.KeyOf));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Two_modules_with_contexts_of_their_own_both_track()
    {
        using var notes = new SqliteDatabase();
        var services = new ServiceCollection();
        services.AddKissTracking(kiss => kiss.UseRecorder().MapCustomers());
        services.AddDbContext<OutboxShopContext>((sp, db) => db.UseSqlite(_database.ConnectionString).UseKissTracking(sp));

        services.AddKissTracking(kiss => kiss.Entity<Note>(n =>
        {
            n.HasIdentity(x => x.Author);
            n.OnAdded().Record("Wrote Note");
        }));
        services.AddDbContext<NotesContext>((sp, db) => db.UseSqlite(notes.ConnectionString).UseKissTracking(sp));

        await using var provider = services.BuildServiceProvider();
        using (var scope = provider.CreateScope())
        {
            var shop = scope.ServiceProvider.GetRequiredService<OutboxShopContext>();
            await shop.Database.EnsureCreatedAsync();
            shop.Customers.Add(OutboxTestHost.Customer("two-1"));
            await shop.SaveChangesAsync();

            var db = scope.ServiceProvider.GetRequiredService<NotesContext>();
            await db.Database.EnsureCreatedAsync();
            db.Notes.Add(new Note { Author = "ann@notes.test" });
            await db.SaveChangesAsync();
        }

        var calls = provider.GetRequiredService<KissRecorder>().Calls;
        Assert.Equal(
            [$"{OutboxTestHost.EmailOf("two-1")} {OutboxShop.SignedUp}", "ann@notes.test Wrote Note"],
            calls.Select(c => $"{c.Person} {c.Name}"));
    }

    [Fact]
    public void The_settings_of_every_call_apply_in_order_after_the_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["KissMetrics:ApiKey"] = "from-section",
            ["KissMetrics:MaxConcurrency"] = "8",
            ["KissMetrics:PollInterval"] = "00:00:30",
        }).Build();
        var services = new ServiceCollection();
        services.AddKissTracking(kiss => kiss.Configure(o => o.MaxConcurrency = 4));
        services.AddKissTracking(configuration.GetSection("KissMetrics"), kiss => kiss.UseApiKey("from-builder"));
        services.AddKissTracking(kiss => kiss.Configure(o => o.MaxConcurrency = 2));
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

        var options = provider.GetRequiredService<IOptions<KissTrackingOptions>>().Value;

        // The section first (8, 30 s, its key), then the builder's calls in order (4, then the key, then 2).
        Assert.Equal(("from-builder", 2, TimeSpan.FromSeconds(30)), (options.ApiKey, options.MaxConcurrency, options.PollInterval));
    }

    [Fact]
    public async Task A_later_call_may_choose_direct_delivery_when_no_earlier_call_chose()
    {
        var builder = TestHostCore.CreateBuilder(new TestLogCollector(), LogLevel.Warning, shutdownTimeout: TimeSpan.FromSeconds(15));
        builder.Services.AddKissTracking(kiss => kiss.UseDryRun().MapCustomers());
        builder.Services.AddKissTracking(kiss => kiss.UseDirectDelivery());
        using var host = new TestHostCore(builder.Build());

        Assert.IsType<KissQueueDispatcher>(host.Services.GetRequiredService<IKissDispatcher>());
        Assert.Null(host.Services.GetService<IKissOutbox>());
        Assert.DoesNotContain(host.Services.GetServices<IHostedService>(), s => s is KissOutboxDispatcher);
        Assert.Single(host.Services.GetServices<IHostedService>(), s => s is KissQueueDispatcher);
        Assert.Equal(KissDelivery.Direct, host.Services.GetRequiredService<IOptions<KissTrackingOptions>>().Value.Delivery);

        // The options agree with the services registered: the start-up validation passes.
        await host.StartAsync();
        await host.StopAsync();
    }

    [Fact]
    public void Two_calls_that_choose_different_deliveries_fail_at_the_second_naming_both()
    {
        var services = new ServiceCollection();
        services.AddKissTracking(kiss => kiss.UseDryRun().UseDirectDelivery());

        var error = Assert.Throws<InvalidOperationException>(
            () => services.AddKissTracking(kiss => kiss.Configure(o => o.Delivery = KissDelivery.Outbox)));

        Assert.Contains("called with Direct delivery", error.Message, StringComparison.Ordinal);
        Assert.Contains("this call chooses Outbox delivery", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_calls_that_choose_the_same_delivery_agree()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["KissMetrics:Delivery"] = "Direct", ["KissMetrics:DryRun"] = "true" })
            .Build();
        var services = new ServiceCollection();
        services.AddKissTracking(configuration.GetSection("KissMetrics"), kiss => { });
        services.AddKissTracking(kiss => kiss.UseDirectDelivery());
        using var provider = services.BuildServiceProvider();

        Assert.IsType<KissQueueDispatcher>(provider.GetRequiredService<IKissDispatcher>());
    }

    [Fact]
    public async Task The_recorder_of_a_later_call_replaces_the_apps_outbox()
    {
        // As a test's WebApplicationFactory would: the app registers the outbox, the test swaps in the recorder.
        var builder = TestHostCore.CreateBuilder(new TestLogCollector(), LogLevel.Warning, shutdownTimeout: TimeSpan.FromSeconds(15));
        builder.Services.AddKissTracking(kiss => kiss.UseApiKey("app-key").MapCustomers());
        builder.Services.AddDbContext<OutboxShopContext>((sp, db) => db.UseSqlite(_database.ConnectionString).UseKissTracking(sp));
        builder.Services.AddKissTracking(kiss => kiss.UseRecorder());
        using var host = new TestHostCore(builder.Build());

        Assert.Null(host.Services.GetService<IKissOutbox>());
        Assert.DoesNotContain(host.Services.GetServices<IHostedService>(), s => s is KissOutboxDispatcher);
        await host.StartAsync();
        try
        {
            await WithContextAsync<OutboxShopContext>(host, async db =>
            {
                // No outbox table in the model: the recorder writes nothing in the transaction.
                await db.Database.EnsureCreatedAsync();
                Assert.Null(db.Model.FindEntityType(typeof(KissEf.Outbox.KissOutboxMessage)));
                db.Customers.Add(OutboxTestHost.Customer("rec-1"));
                await db.SaveChangesAsync();
            });

            var call = Assert.Single(host.Services.GetRequiredService<KissRecorder>().Calls);
            Assert.Equal(OutboxShop.SignedUp, call.Name);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public void A_later_call_binds_the_same_section_or_none_but_not_another()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["KissMetrics:ApiKey"] = "k",
            ["Other:ApiKey"] = "other",
        }).Build();
        var services = new ServiceCollection();
        services.AddKissTracking(configuration.GetSection("KissMetrics"), kiss => { });
        services.AddKissTracking(configuration.GetSection("KissMetrics"), kiss => { });

        var error = Assert.Throws<InvalidOperationException>(
            () => services.AddKissTracking(configuration.GetSection("Other"), kiss => { }));

        Assert.Contains("'KissMetrics'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Other'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_map_in_a_later_call_fails_that_call_naming_the_entity()
    {
        var services = new ServiceCollection();
        services.AddKissTracking(kiss => kiss.UseDryRun().MapCustomers());

        var error = Assert.Throws<KissMappingException>(
            () => services.AddKissTracking(kiss => kiss.Entity<Note>(n => n.OnAdded().Record("Wrote Note"))));

        Assert.Contains("Entity 'Note': no identity", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _database.Dispose();

    private static async Task WithContextAsync<TContext>(TestHostCore host, Func<TContext, Task> work)
        where TContext : DbContext
    {
        using var scope = host.Services.CreateScope();
        await work(scope.ServiceProvider.GetRequiredService<TContext>());
    }

    /// <summary>The entity of a second module.</summary>
    public sealed class Note
    {
        public int Id { get; set; }

        public string Author { get; set; } = string.Empty;
    }

    /// <summary>The second module's own context.</summary>
    public sealed class NotesContext(DbContextOptions<NotesContext> options) : DbContext(options)
    {
        public DbSet<Note> Notes => Set<Note>();
    }
}
