using KissEf.Testing;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KissEf.Tests.Core;

/// <summary>
/// A provider that is not relational (EF's in-memory provider here: the test is about the provider's capability, not
/// about transactions, which it does not have): the outbox, which writes in the provider's transactions, is refused
/// with a message that names the context and the fix, at host start and at a save without a host; a delivery that
/// needs no table tracks as usual.
/// </summary>
public sealed class NonRelationalProviderTests
{
    [Fact]
    public async Task The_outbox_is_refused_at_host_start_naming_the_context_and_the_fix()
    {
        using var host = BuildHost(kiss => kiss.UseApiKey("key"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        AssertExplains(error);
    }

    [Fact]
    public async Task Without_a_host_the_first_save_is_refused_the_same_way()
    {
        using var host = BuildHost(kiss => kiss.UseApiKey("key"));
        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TestShopContext>();
        db.Customers.Add(new ShopCustomer { Email = "ann@example.com", Plan = "Gold" });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());

        AssertExplains(error);
    }

    [Fact]
    public async Task A_delivery_without_a_table_tracks_the_saves()
    {
        using var host = BuildHost(kiss => kiss.UseRecorder());
        await host.StartAsync();
        using (var scope = host.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TestShopContext>();
            db.Customers.Add(new ShopCustomer { Email = "ann@example.com", Plan = "Gold" });
            await db.SaveChangesAsync();
        }

        var call = Assert.Single(host.Services.GetRequiredService<KissRecorder>().Calls);
        Assert.Equal("ann@example.com", call.Person);
        Assert.Equal("Signed Up", call.Name);
        await host.StopAsync();
    }

    private static void AssertExplains(InvalidOperationException error)
    {
        Assert.Contains("needs a relational provider", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(TestShopContext), error.Message, StringComparison.Ordinal);
        Assert.Contains("UseDirectDelivery()", error.Message, StringComparison.Ordinal);
    }

    private static IHost BuildHost(Action<KissTrackingBuilder> delivery)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddKissTracking(kiss =>
        {
            delivery(kiss);
            kiss.Entity<ShopCustomer>(c =>
            {
                c.HasIdentity(x => x.Email);
                c.OnAdded().Record("Signed Up");
            });
        });
        var name = Guid.NewGuid().ToString("N");
        builder.Services.AddDbContext<TestShopContext>((sp, db) => db.UseInMemoryDatabase(name).UseKissTracking(sp));
        return builder.Build();
    }
}
