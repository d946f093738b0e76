using KissEf.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace KissEf.Tests.Core;

/// <summary>Every call carries <c>_t</c> = the time of its change from the injected TimeProvider, in Unix seconds, and <c>_d=1</c>.</summary>
public sealed class TimestampTests
{
    [Fact]
    public async Task Every_call_carries_the_time_of_its_change_from_the_TimeProvider_and_d_1()
    {
        // Direct delivery, the library's default MaxAttempts, no failure: the fake clock only dates the calls.
        var signUp = new DateTimeOffset(2024, 5, 6, 7, 8, 9, 750, TimeSpan.Zero);
        var clock = new FakeTimeProvider(signUp);
        await using var host = await TestHost.StartAsync(
            Delivery.Direct,
            kiss => kiss.Entity<ShopCustomer>(c =>
            {
                c.HasIdentity(x => x.Email);
                c.OnAdded().Record("Signed Up");
                c.OnAdded().Set("plan", x => x.Plan);
                c.Alias(x => x.LegacyId, x => x.Email);
                c.OnChanged(x => x.Plan).Record("Changed Plan").With("plan", x => x.Plan);
                c.AliasOnChange(x => x.Email);
                c.OnDeleted().Record("Closed Account");
            }),
            o => o.Services = services => services.AddSingleton<TimeProvider>(clock));
        Assert.Equal(5, host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<KissTrackingOptions>>().Value.MaxAttempts);

        host.Add(new ShopCustomer { Email = "ann@example.com", LegacyId = "L-1", Plan = "basic" });

        // No request may be in flight when the clock jumps: the HTTP pipeline times its attempts on the same clock
        // (Microsoft.Extensions.Resilience takes DI's TimeProvider), and a jump past RequestTimeout would fail one.
        var dispatcher = host.Services.GetRequiredService<IKissDispatcher>();
        await dispatcher.FlushAsync();
        clock.Advance(TimeSpan.FromMinutes(90));
        var change = clock.GetUtcNow();
        host.WithContext(db =>
        {
            var ann = db.Customers.Single();
            ann.Plan = "pro";
            ann.Email = "ann@new.example.com";
            db.SaveChanges();
        });

        await dispatcher.FlushAsync();
        clock.Advance(TimeSpan.FromDays(3));
        var close = clock.GetUtcNow();
        host.WithContext(db =>
        {
            db.Customers.Remove(db.Customers.Single());
            db.SaveChanges();
        });

        var calls = await host.FlushedCallsAsync();
        Assert.Equal(7, calls.Count);
        Assert.All(calls, c => Assert.Equal("1", c.Get("_d")));

        // Unix seconds, the fraction dropped: 2024-05-06T07:08:09.750Z.
        Assert.Equal("1714979289", calls.Events("Signed Up")[0].Get("_t"));
        Assert.Equal(
            ["/a", "/e", "/s"],
            calls.Where(c => c.Get("_t") == CallAssert.UnixSeconds(signUp)).Select(c => c.Path).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["/a", "/a", "/e"],
            calls.Where(c => c.Get("_t") == CallAssert.UnixSeconds(change)).Select(c => c.Path).Order(StringComparer.Ordinal));
        Assert.Equal("1714984689", Assert.Single(calls.Events("Changed Plan")).Get("_t"));
        Assert.Equal(CallAssert.UnixSeconds(close), Assert.Single(calls.Events("Closed Account")).Get("_t"));
        Assert.All(calls, c => Assert.Equal(c.Get("_t"), c.RawValueOf("_t")));
    }
}
