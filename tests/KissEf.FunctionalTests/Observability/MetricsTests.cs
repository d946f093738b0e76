using KissEf.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace KissEf.Tests.Observability;

/// <summary>
/// Issue 9, metrics: each instrument of the meter <c>KissEf</c>, read after real saves (SQLite) and real deliveries
/// (the loopback fake server), with its <c>kind</c> (and for dropped calls its <c>reason</c>) tag.
/// </summary>
public sealed class MetricsTests
{
    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task Captured_and_delivered_calls_are_counted_per_kind_and_their_latency_recorded(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Signed Up").With("plan", x => x.Plan);
            c.OnAdded().Set("plan", x => x.Plan);
            c.Alias(x => x.LegacyId, x => x.Email);
        }));
        using var instruments = new KissInstruments(host.Services);

        host.Add(
            new ShopCustomer { Email = "ann@example.com", Plan = "basic", LegacyId = "L-1" },
            new ShopCustomer { Email = "bob@example.com", Plan = "gold", LegacyId = "L-2" });
        var calls = await host.FlushedCallsAsync();

        Assert.Equal(6, calls.Count);
        Assert.Equal("a=2 e=2 s=2", KissInstruments.ByKind(instruments.Captured));
        Assert.Equal("a=2 e=2 s=2", KissInstruments.ByKind(instruments.Delivered));
        Assert.Equal(0, KissInstruments.Total(instruments.Failed));
        Assert.Equal(0, KissInstruments.Total(instruments.Dead));
        Assert.Equal(0, KissInstruments.Total(instruments.Dropped));

        // One latency per delivered call, in seconds from the commit: a local delivery takes well under a minute.
        var latencies = instruments.Latency.GetMeasurementSnapshot();
        Assert.Equal(6, latencies.Count);
        Assert.All(latencies, m => Assert.InRange(m.Value, 0, 60));
        Assert.Equal(["a", "a", "e", "e", "s", "s"], latencies.Select(m => (string)m.Tags["kind"]!).Order(StringComparer.Ordinal));
        Assert.Equal("s", instruments.Latency.Instrument!.Unit);
        Assert.Equal("{call}", instruments.Delivered.Instrument!.Unit);
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task Refused_calls_count_as_failed_attempts_and_dead_calls(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, MapSignedUp);
        using var instruments = new KissInstruments(host.Services);
        host.Server.AlwaysFail(400);

        host.Add(Customer("ann"), Customer("bob"), Customer("cid"));
        await host.FlushAsync();

        // A 400 is not worth retrying: one failed attempt per call, and the call is given up.
        Assert.Equal(3, host.Server.AllRequests.Count);
        Assert.Equal("e=3", KissInstruments.ByKind(instruments.Failed));
        Assert.Equal("e=3", KissInstruments.ByKind(instruments.Dead));
        Assert.Equal(0, KissInstruments.Total(instruments.Delivered));
        Assert.Empty(instruments.Latency.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task Every_failed_outbox_attempt_is_counted_until_the_rows_are_dead()
    {
        await using var host = await TestHost.StartAsync(Delivery.Outbox, MapSignedUp, o => o.Kiss = k =>
        {
            k.OutboxMaxAttempts = 3;
            k.RetryBaseDelay = TimeSpan.FromMilliseconds(5);
            k.MaxRetryDelay = TimeSpan.FromMilliseconds(20);
        });
        using var instruments = new KissInstruments(host.Services);
        host.Server.AlwaysFail(503);

        host.Add(Customer("ann"), Customer("bob"));
        await OutboxCalls.EventuallyAsync(
            () => Task.FromResult(KissInstruments.Total(instruments.Dead) == 2),
            TimeSpan.FromSeconds(20),
            () => Task.FromResult($"dead: {KissInstruments.ByKind(instruments.Dead)}, failed: {KissInstruments.ByKind(instruments.Failed)}"));

        // Each request the endpoint answered 503 is one failed attempt; a row whose call failed may hold its other
        // call back for its next attempt, so the count is that of the requests, between one and two per row attempt.
        await host.FlushAsync();
        Assert.Equal(host.Server.AllRequests.Count, KissInstruments.Total(instruments.Failed));
        Assert.InRange(KissInstruments.Total(instruments.Failed), 3, 6);
        Assert.Equal("e=2", KissInstruments.ByKind(instruments.Dead));
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task Calls_dropped_by_bad_data_are_counted_with_their_reason(Delivery delivery)
    {
        await using var host = await TestHost.StartAsync(delivery, kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Signed Up").With("plan", x => x.Plan).With("initial", x => x.Country!.Substring(0, 1));
            c.OnAdded().Set("plan", x => x.Plan);
        }));
        using var instruments = new KissInstruments(host.Services);

        host.Add(
            new ShopCustomer { Email = null, Plan = "basic", Country = "FR" },                      // 1001 twice: no identity
            new ShopCustomer { Email = "long@example.com", Plan = new string('p', 513), Country = "FR" }, // 1002: the set loses its one property
            new ShopCustomer { Email = "throws@example.com", Plan = "basic", Country = null },        // 1003: the map throws
            new ShopCustomer { Email = "ok@example.com", Plan = "basic", Country = "FR" });
        var calls = await host.FlushedCallsAsync();

        // Sent: the long plan's event (without its plan) and both calls of ok@.
        Assert.Equal(3, calls.Count);
        Assert.Equal("e=1 s=1", KissInstruments.ByKind(instruments.Dropped, "invalid_call"));
        Assert.Equal("s=1", KissInstruments.ByKind(instruments.Dropped, "invalid_properties"));
        Assert.Equal("e=1", KissInstruments.ByKind(instruments.Dropped, "map_error"));
        Assert.Equal(4, KissInstruments.Total(instruments.Dropped));
        Assert.Equal("e=2 s=1", KissInstruments.ByKind(instruments.Captured));
        Assert.Equal("e=2 s=1", KissInstruments.ByKind(instruments.Delivered));
        Assert.Equal(2, host.Logs.WithEventId(1001).Count);
        Assert.Single(host.Logs.WithEventId(1003));
    }

    [Fact]
    public async Task A_full_queue_counts_its_dropped_calls_and_the_gauges_read_the_queue()
    {
        await using var host = await TestHost.StartAsync(Delivery.Direct, MapSignedUp, o =>
        {
            o.Start = false;
            o.Kiss = k => k.QueueCapacity = 1;
        });
        using var instruments = new KissInstruments(host.Services);

        host.Add(Customer("ann"), Customer("bob"), Customer("cid"));

        Assert.Equal("e=2", KissInstruments.ByKind(instruments.Dropped, "queue_full"));
        Assert.Single(host.Logs.WithEventId(2003).Take(1));
        Assert.Equal(1, await KissInstruments.ObserveAsync(instruments.Pending, v => v == 1, TimeSpan.FromSeconds(10)));
        Assert.InRange(await KissInstruments.ObserveAsync(instruments.OldestPendingAge, v => v >= 0, TimeSpan.FromSeconds(10)), 0, 60);

        await host.FlushAsync();
        Assert.Single(host.Server.Calls);
        Assert.Equal(0, await KissInstruments.ObserveAsync(instruments.Pending, v => v == 0, TimeSpan.FromSeconds(10)));
        Assert.Equal(0, await KissInstruments.ObserveAsync(instruments.OldestPendingAge, v => v == 0, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task The_outbox_gauges_report_the_pending_calls_and_the_age_of_the_oldest_without_a_query_per_collection()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await TestHost.StartAsync(Delivery.Outbox, MapSignedUp, o =>
        {
            o.Start = false;
            o.Services = s => s.AddSingleton<TimeProvider>(clock);
        });
        using var instruments = new KissInstruments(host.Services);

        host.Add(Customer("ann"), Customer("bob"));
        clock.Advance(TimeSpan.FromSeconds(3));
        host.Add(Customer("cid"));

        // Read from IKissOutbox.GetStateAsync in the background: the first collections may report nothing yet.
        Assert.Equal(3, await KissInstruments.ObserveAsync(instruments.Pending, v => v > 0, TimeSpan.FromSeconds(10)));
        Assert.Equal(3, await KissInstruments.ObserveAsync(instruments.OldestPendingAge, v => v > 0, TimeSpan.FromSeconds(10)));

        // Between refreshes (at most every 15 s) nothing is queried: the age grows with the clock, the count stays.
        await host.FlushAsync();
        Assert.Equal(3, host.Server.Calls.Count);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(3, await KissInstruments.ObserveAsync(instruments.Pending, v => true, TimeSpan.FromSeconds(10)));
        Assert.Equal(13, await KissInstruments.ObserveAsync(instruments.OldestPendingAge, v => true, TimeSpan.FromSeconds(10)));

        // The next refresh sees the empty outbox.
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, await KissInstruments.ObserveAsync(instruments.Pending, v => v == 0, TimeSpan.FromSeconds(10)));
        Assert.Equal(0, await KissInstruments.ObserveAsync(instruments.OldestPendingAge, v => v == 0, TimeSpan.FromSeconds(10)));
        Assert.Equal("s", instruments.OldestPendingAge.Instrument!.Unit);
        Assert.Equal("{call}", instruments.Pending.Instrument!.Unit);
    }

    private static void MapSignedUp(KissTrackingBuilder kiss) => kiss.Entity<ShopCustomer>(c =>
    {
        c.HasIdentity(x => x.Email);
        c.OnAdded().Record("Signed Up");
    });

    private static ShopCustomer Customer(string name) => new() { Email = $"{name}@example.com", Plan = "basic" };
}
