using KissEf.Internal.Outbox.Dispatch;
using KissEf.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

// Not KissEf.Tests.Delivery: that name would hide the Support.Delivery enum the other tests use.
namespace KissEf.Tests.DeliveryTests;

/// <summary>
/// Issue 8, item 1: an outbox row that fails retryably is retried with exponential backoff and jitter, capped at
/// MaxRetryDelay, until it is older than MaxAge; MaxAttempts does not bury it. An outage of 45 seconds with the
/// default options ends with every call delivered, with nobody's help.
/// </summary>
public sealed class OutboxRetryScheduleTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>The table of docs/delivery.md ("Retries"): the wait after each failed attempt, before ±20% jitter.</summary>
    public static TheoryData<int, double> DocumentedSchedule => new()
    {
        { 1, 1 },
        { 2, 2 },
        { 3, 4 },
        { 4, 8 },
        { 5, 16 },
        { 6, 32 },
        { 7, 64 },
        { 8, 128 },
        { 9, 256 },
        { 10, 300 },
        { 11, 300 },
        { 1000, 300 },
    };

    [Theory]
    [MemberData(nameof(DocumentedSchedule))]
    public void The_default_schedule_is_the_documented_one(int attempt, double seconds)
    {
        var defaults = new KissTrackingOptions();
        Assert.Null(defaults.OutboxMaxAttempts);
        Assert.Equal(TimeSpan.FromDays(7), defaults.MaxAge);
        for (var i = 0; i < 200; i++)
        {
            var delay = KissBackoff.Delay(attempt, defaults.RetryBaseDelay, defaults.MaxRetryDelay, retryAfter: null);
            Assert.InRange(delay.TotalSeconds, seconds * 0.8, seconds * 1.2);
        }

        // A server's Retry-After longer than the backoff wins.
        Assert.Equal(TimeSpan.FromHours(2), KissBackoff.Delay(attempt, defaults.RetryBaseDelay, defaults.MaxRetryDelay, TimeSpan.FromHours(2)));
    }

    [Fact]
    public async Task OutboxMaxAttempts_below_one_fails_at_start_naming_the_option()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddKissTracking(kiss => MapCustomers(kiss.UseDryRun().Configure(o => o.OutboxMaxAttempts = 0)));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("OutboxMaxAttempts", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_45_second_outage_with_default_options_ends_with_every_call_delivered_unattended()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        await using var host = await TestHost.StartAsync(
            Delivery.Outbox,
            MapCustomers,
            o =>
            {
                o.LibraryDefaults = true;
                o.Services = services => services.AddSingleton<TimeProvider>(clock);
            });
        var defaults = new KissTrackingOptions();
        var options = host.Services.GetRequiredService<IOptions<KissTrackingOptions>>().Value;
        Assert.Equal(
            (defaults.MaxAttempts, defaults.OutboxMaxAttempts, defaults.RetryBaseDelay, defaults.MaxRetryDelay, defaults.MaxAge, defaults.PollInterval),
            (options.MaxAttempts, options.OutboxMaxAttempts, options.RetryBaseDelay, options.MaxRetryDelay, options.MaxAge, options.PollInterval));

        // The outage: 20 s of 503s, then 25 s of refused connections. Saves go on meanwhile (rows of 100 calls).
        host.Server.AlwaysFail(503);
        host.Add([.. Enumerable.Range(0, 150).Select(i => (object)Customer($"c{i}"))]);
        host.Add(Customer("single"));
        const int total = 151;
        for (var second = 0; second < 45; second++)
        {
            if (second == 20)
            {
                await host.Server.StopAsync();
            }

            // No request in flight when the clock jumps (docs/values-and-validation.md, "Time").
            await host.FlushAsync();
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        // Every row is still pending after six attempts or more; the former default (MaxAttempts 5) buried it at the
        // fifth, 15 s into the outage.
        var rows = OutboxRows.Read(host.Database);
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.Null(r.DeadAt);
            Assert.True(r.Attempts >= 6, r.ToString());
            Assert.Contains("network error", r.LastError, StringComparison.Ordinal);
        });
        Assert.Empty(host.Server.Calls);

        // The vendor is back. Nobody calls FlushAsync or RetryDeadAsync: the dispatcher sends when the rows are due.
        // (The clock moves one second per poll of the test, the only thing standing in for time passing.)
        host.Server.Recover();
        await host.Server.RestartAsync();
        await OutboxCalls.EventuallyAsync(
            () =>
            {
                clock.Advance(TimeSpan.FromSeconds(1));
                return Task.FromResult(host.Server.Calls.Count >= total);
            },
            Deadline,
            () => Task.FromResult($"{host.Server.Calls.Count} of {total} delivered; {string.Join("; ", OutboxRows.Read(host.Database))}"));
        await host.FlushAsync();

        Assert.Equal(
            Enumerable.Range(0, 150).Select(i => $"c{i}@example.com").Append("single@example.com").Order(StringComparer.Ordinal),
            host.Server.Calls.Select(c => c.Get("_p")!).Order(StringComparer.Ordinal));
        Assert.Empty(OutboxRows.Read(host.Database));
        Assert.Empty(host.Logs.WithEventId(2007));
    }

    [Fact]
    public async Task A_real_outage_on_a_short_schedule_backs_off_to_the_cap_and_ends_with_every_call_delivered_unattended()
    {
        // 20 ms doubling to at most 200 ms; MaxAttempts left at its default (5), which the outbox does not apply.
        await using var host = await TestHost.StartAsync(Delivery.Outbox, MapCustomers);
        Assert.Equal(5, host.Services.GetRequiredService<IOptions<KissTrackingOptions>>().Value.MaxAttempts);
        host.Server.AlwaysFail(503);
        host.Add([.. Enumerable.Range(0, 120).Select(i => (object)Customer($"r{i}"))]);
        const int total = 120;

        // 503s until every row has failed ten times, then refused connections until fifteen. Uncapped, the fifteenth
        // attempt would come about five minutes in (20 ms × 2^14), past the deadline.
        await WaitForAttemptsAsync(host, 10);
        await host.Server.StopAsync();
        await WaitForAttemptsAsync(host, 15);
        Assert.All(OutboxRows.Read(host.Database), r => Assert.Null(r.DeadAt));

        // A row's first call is tried at every attempt of its row; no call is ever tried before its row is due again.
        foreach (var first in host.Server.AllRequests.GroupBy(r => r.Url).Where(g => g.Count() >= 10))
        {
            var times = first.Select(r => r.ReceivedAt).ToList();
            for (var attempt = 1; attempt < times.Count; attempt++)
            {
                var nominal = Math.Min(20 * Math.Pow(2, attempt - 1), 200);
                var gap = (times[attempt] - times[attempt - 1]).TotalMilliseconds;
                Assert.True(gap >= (nominal * 0.8) - 5, $"attempt {attempt + 1} came {gap} ms after the one before (nominal {nominal} ms)");
            }
        }

        Assert.True(host.Server.AllRequests.GroupBy(r => r.Url).Count(g => g.Count() >= 10) >= 2, "a call of each row was tried at each attempt");

        // Recovery on the same port: everything arrives, with no flush and no operator.
        host.Server.Recover();
        await host.Server.RestartAsync();
        await host.Server.WaitForCallsAsync(total, Deadline);
        await host.FlushAsync();
        Assert.Equal(
            Enumerable.Range(0, total).Select(i => $"r{i}@example.com").Order(StringComparer.Ordinal),
            host.Server.Calls.Select(c => c.Get("_p")!).Order(StringComparer.Ordinal));
        Assert.Empty(OutboxRows.Read(host.Database));
        Assert.Empty(host.Logs.WithEventId(2007));
    }

    private static Task WaitForAttemptsAsync(TestHost host, int attempts) => OutboxCalls.EventuallyAsync(
        () => Task.FromResult(OutboxRows.Read(host.Database) is { Count: 2 } rows && rows.All(r => r.Attempts >= attempts && r.DeadAt is null)),
        Deadline,
        () => Task.FromResult(string.Join("; ", OutboxRows.Read(host.Database))));

    private static void MapCustomers(KissTrackingBuilder kiss) => kiss.Entity<ShopCustomer>(c =>
    {
        c.HasIdentity(x => x.Email);
        c.OnAdded().Record("Signed Up");
    });

    private static ShopCustomer Customer(string name) => new() { Email = $"{name}@example.com" };
}
