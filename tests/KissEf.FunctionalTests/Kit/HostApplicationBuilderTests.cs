using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KissEf.Tests.Kit;

/// <summary>
/// Issue 15, item 5: <c>builder.AddKissTracking(kiss =&gt; …)</c> on a real <see cref="HostApplicationBuilder"/> binds the
/// section <c>KissMetrics</c> of the application's configuration (here in memory) by default, or the section it is given.
/// </summary>
public sealed class HostApplicationBuilderTests
{
    [Fact]
    public async Task The_KissMetrics_section_is_bound_by_default_and_the_app_tracks_with_it()
    {
        using var database = new SqliteDatabase();
        await using var server = await FakeTrackingServer.StartAsync();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["KissMetrics:ApiKey"] = OutboxShop.ApiKey,
            ["KissMetrics:Endpoint"] = server.Endpoint.ToString(),
            ["KissMetrics:MaxConcurrency"] = "3",
            ["KissMetrics:PollInterval"] = "00:00:00.050",
        });

        var returned = builder.AddKissTracking(kiss => kiss.MapCustomers().Configure(o => o.MaxConcurrency = 2));
        builder.Services.AddDbContext<OutboxShopContext>((sp, db) => db.UseSqlite(database.ConnectionString).UseKissTracking(sp));
        Assert.Same(builder, returned);

        using var host = builder.Build();
        var options = host.Services.GetRequiredService<IOptions<KissTrackingOptions>>().Value;
        Assert.Equal((OutboxShop.ApiKey, server.Endpoint, TimeSpan.FromMilliseconds(50)), (options.ApiKey, options.Endpoint, options.PollInterval));
        Assert.Equal(2, options.MaxConcurrency);

        await host.StartAsync();
        try
        {
            using (var scope = host.Services.CreateScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<OutboxShopContext>();
                await db.Database.EnsureCreatedAsync();
                db.Customers.Add(OutboxTestHost.Customer("hab-1"));
                await db.SaveChangesAsync();
            }

            await host.Services.GetRequiredService<IKissDispatcher>().FlushAsync();
            Assert.Equal(OutboxCalls.SignedUp("hab-1"), OutboxCalls.KeyOf(Assert.Single(server.Calls)));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task A_bad_setting_in_the_section_fails_the_start_naming_its_path()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["KissMetrics:DryRun"] = "true",
            ["KissMetrics:ApiKy"] = "a typo",
        });
        builder.AddKissTracking(kiss => kiss.MapCustomers());
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("KissMetrics:ApiKy: is not a KissEf setting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_section_may_be_named()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Analytics:KissMetrics:ApiKey"] = "nested-key",
            ["KissMetrics:ApiKey"] = "not-this-one",
        });
        builder.AddKissTracking("Analytics:KissMetrics", kiss => kiss.MapCustomers());
        using var host = builder.Build();

        Assert.Equal("nested-key", host.Services.GetRequiredService<IOptions<KissTrackingOptions>>().Value.ApiKey);
    }

    [Fact]
    public void Each_module_may_call_it_and_every_map_is_kept()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["KissMetrics:DryRun"] = "true" });
        builder.AddKissTracking(kiss => kiss.MapCustomers());
        builder.AddKissTracking(kiss => kiss.Entity<ModularRegistrationTests.Note>(n =>
        {
            n.HasIdentity(x => x.Author);
            n.OnAdded().Record("Wrote Note");
        }));
        using var host = builder.Build();

        var model = host.Services.GetRequiredService<KissEf.Internal.Capture.KissRuntime>().Model;
        Assert.NotNull(model.FindMap(typeof(OutboxCustomer)));
        Assert.NotNull(model.FindMap(typeof(ModularRegistrationTests.Note)));
        Assert.True(host.Services.GetRequiredService<IOptions<KissTrackingOptions>>().Value.DryRun);
    }

    [Fact]
    public void Its_default_section_is_KissMetrics()
        => Assert.Equal("KissMetrics", KissHostApplicationBuilderExtensions.DefaultSectionName);
}
