using KissEf.Tests.Support;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace KissEf.Tests.Kit;

/// <summary>Issue 9, "Health check": the "kissef" check reports real outbox states.</summary>
public sealed class HealthCheckTests : OutboxTestBase
{
    [Fact]
    public async Task An_empty_outbox_is_healthy_and_its_state_is_in_the_data()
    {
        await using var host = KitHost.Create(Database, Server);
        await host.EnsureCreatedAsync();

        var entry = await host.CheckAsync();

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(0, entry.Data["PendingCalls"]);
        Assert.Equal(0, entry.Data["DeadCalls"]);
        Assert.False(entry.Data.ContainsKey("OldestPendingAge"));
        Assert.Equal("Outbox", entry.Data["Delivery"]);
    }

    [Fact]
    public async Task Dead_calls_make_it_degraded()
    {
        Server.AlwaysFail(400);
        await using var host = KitHost.Create(Database, Server);
        await host.EnsureCreatedAsync();
        await host.StartAsync();
        await host.AddCustomersAsync("dead", 3);

        HealthReportEntry entry = default;
        await OutboxCalls.EventuallyAsync(
            async () => (entry = await host.CheckAsync()).Status != HealthStatus.Healthy,
            TimeSpan.FromSeconds(30),
            async () => $"{(await host.CheckAsync()).Description}; {Server.AllRequests.Count} request(s)");

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal(3, entry.Data["DeadCalls"]);
        Assert.Equal(1, entry.Data["DeadRows"]);
        Assert.Equal(0, entry.Data["PendingCalls"]);
        Assert.Contains("3 dead call(s)", entry.Description, StringComparison.Ordinal);
        Assert.DoesNotContain(OutboxShop.ApiKey, entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pending_call_older_than_the_threshold_makes_it_degraded()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = KitHost.Create(Database, Server, kiss => kiss.Configure(o => o.HealthPendingAgeThreshold = TimeSpan.FromMinutes(10)), time);
        await host.EnsureCreatedAsync();

        // Not started: the dispatcher does not run, so the calls stay pending.
        await host.AddCustomersAsync("late", 2);
        var fresh = await host.CheckAsync();
        time.Advance(TimeSpan.FromMinutes(9));
        var young = await host.CheckAsync();
        time.Advance(TimeSpan.FromMinutes(2));
        var old = await host.CheckAsync();

        Assert.Equal((HealthStatus.Healthy, 2), (fresh.Status, (int)fresh.Data["PendingCalls"]));
        Assert.Equal(HealthStatus.Healthy, young.Status);
        Assert.Equal(HealthStatus.Degraded, old.Status);
        Assert.Equal(TimeSpan.FromMinutes(11), old.Data["OldestPendingAge"]);
        Assert.Equal(TimeSpan.FromMinutes(10), old.Data["HealthPendingAgeThreshold"]);
        Assert.Contains("oldest pending call", old.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_outbox_table_makes_it_unhealthy()
    {
        await using var host = KitHost.Create(Database, Server);
        await host.EnsureCreatedAsync();
        OutboxRows.Execute(Database, $"DROP TABLE {OutboxRows.Table}");

        var entry = await host.CheckAsync();

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.NotNull(entry.Exception);
        Assert.Contains("cannot be read", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_that_cannot_be_opened_makes_it_unhealthy()
    {
        // A directory where the database file should be: SQLite cannot open it.
        Directory.CreateDirectory(Database.FilePath);
        try
        {
            await using var host = KitHost.Create(Database, Server);

            var entry = await host.CheckAsync();

            Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        }
        finally
        {
            Directory.Delete(Database.FilePath);
        }
    }

    [Fact]
    public async Task Direct_delivery_reports_its_queue()
    {
        await using var host = KitHost.Create(Database, Server, kiss => kiss.UseDirectDelivery());
        await host.EnsureCreatedAsync();

        // Not started: the committed calls wait in the queue.
        await host.AddCustomersAsync("direct", 2);
        var entry = await host.CheckAsync();

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(("Direct", 2), (entry.Data["Delivery"], (int)entry.Data["QueuedCalls"]));
    }

    [Fact]
    public async Task A_full_direct_queue_makes_it_degraded()
    {
        await using var host = KitHost.Create(Database, Server, kiss => kiss.UseDirectDelivery().Configure(o => o.QueueCapacity = 2));
        await host.EnsureCreatedAsync();

        await host.AddCustomersAsync("full", 3);
        var entry = await host.CheckAsync();

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal(2, entry.Data["QueuedCalls"]);
    }

    [Fact]
    public async Task With_the_recorder_it_is_healthy()
    {
        await using var host = KitHost.Create(Database, Server, kiss => KissEf.KissTestingBuilderExtensions.UseRecorder(kiss));

        var entry = await host.CheckAsync();

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Contains("sends nothing", entry.Description, StringComparison.Ordinal);
    }
}
