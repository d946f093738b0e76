using KissEf.Tests.Infrastructure;
using KissEf.Tests.Observability;
using KissEf.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace KissEf.Tests.Tenants;

/// <summary>
/// Issue 17: <see cref="IKissOutbox"/>'s state, the health check and the outbox gauges cover every tenant with a
/// per-tenant breakdown; a tenant database that is down makes the check Degraded naming it (the others' figures kept),
/// makes <see cref="IKissOutbox.GetStateAsync"/> throw naming it, and drops only its own gauge values.
/// </summary>
public sealed class TenantHealthTests : SaasTestBase
{
    [Fact]
    public async Task The_state_and_the_check_break_the_outbox_down_by_tenant()
    {
        await using var host = await CreateAsync();

        var state = await host.Outbox.GetStateAsync();
        var entry = await host.CheckAsync();

        Assert.Equal((6, 3), (state.PendingCalls, state.PendingRows));
        Assert.Equal(["a", "b", "c"], state.Tenants!.Keys.Order());
        Assert.Equal([1, 2, 3], new[] { "a", "b", "c" }.Select(t => state.Tenants[t].PendingCalls));
        Assert.Null(state.Tenants["a"].Tenants);
        Assert.Equal(2, (await host.Outbox.GetTenantStateAsync("b")).PendingCalls);

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(6, entry.Data["PendingCalls"]);
        var tenants = Assert.IsAssignableFrom<IReadOnlyDictionary<string, KissOutboxState>>(entry.Data["Tenants"]);
        Assert.Equal(3, tenants["c"].PendingCalls);
        Assert.False(entry.Data.ContainsKey("UnreadableTenants"));
    }

    [Fact]
    public async Task A_tenant_database_that_is_down_makes_the_check_degraded_naming_it_and_the_state_throw_naming_it()
    {
        await using var host = await CreateAsync();
        host.TakeDown("b");

        var entry = await host.CheckAsync();
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => host.Outbox.GetStateAsync());

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("the outbox of tenant(s) b cannot be read", entry.Description, StringComparison.Ordinal);
        Assert.Equal("b", entry.Data["UnreadableTenants"]);
        Assert.Equal(4, entry.Data["PendingCalls"]);
        var tenants = Assert.IsAssignableFrom<IReadOnlyDictionary<string, KissOutboxState>>(entry.Data["Tenants"]);
        Assert.Equal(["a", "c"], tenants.Keys.Order());
        Assert.IsType<InvalidOperationException>(entry.Exception);
        Assert.Contains("(tenant b) cannot be reached", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await host.Outbox.GetTenantStateAsync("a")).PendingCalls);

        host.BringUp("b");
        Assert.Equal(HealthStatus.Healthy, (await host.CheckAsync()).Status);
        Assert.Equal(6, (await host.Outbox.GetStateAsync()).PendingCalls);
    }

    [Fact]
    public async Task Every_tenant_database_down_makes_it_unhealthy_and_several_failures_are_named_together()
    {
        await using var host = await CreateAsync();
        host.TakeDown("a");
        host.TakeDown("b");
        host.TakeDown("c");

        var entry = await host.CheckAsync();
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => host.Outbox.GetStateAsync());

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.EndsWith("Tenants: a, b, c.", entry.Description, StringComparison.Ordinal);
        Assert.Equal(3, Assert.IsType<AggregateException>(entry.Exception).InnerExceptions.Count);
        Assert.StartsWith("KissEf could not read 3 of its outbox tables (a, b, c): ", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(3, Assert.IsType<AggregateException>(thrown.InnerException).InnerExceptions.Count);
    }

    [Fact]
    public async Task A_tenant_that_cannot_be_entered_is_named_as_unreadable()
    {
        await using var host = await CreateAsync();
        host.Directory.Set(new SaasTenant("ghost", ConnectionString: null));

        var entry = await host.CheckAsync();

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal("ghost", entry.Data["UnreadableTenants"]);
        Assert.Equal(6, entry.Data["PendingCalls"]);
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => host.Outbox.GetStateAsync());
        Assert.Contains("could not enter tenant 'ghost'", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("ghost", Assert.Single(host.Logs.WithEventId(KissEfEventId.TenantUnavailable)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dead_calls_degrade_the_check_naming_their_tenant()
    {
        // The endpoint refuses tenant b's calls only (its key).
        Server.SetResponder((call, _) => call.Get("_k") == "key-b" ? FakeResponse.Status(400) : null);
        await using var host = await CreateAsync();

        await host.Dispatcher.FlushAsync();
        var entry = await host.CheckAsync();

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("2 dead call(s) in 1 row(s) (tenant(s) b)", entry.Description, StringComparison.Ordinal);
        Assert.Equal(0, entry.Data["PendingCalls"]);
        var tenants = Assert.IsAssignableFrom<IReadOnlyDictionary<string, KissOutboxState>>(entry.Data["Tenants"]);
        Assert.Equal((0, 2, 0), (tenants["a"].DeadCalls, tenants["b"].DeadCalls, tenants["c"].DeadCalls));
    }

    [Fact]
    public async Task An_old_pending_call_degrades_the_check_naming_its_tenant()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = SaasHost.Create(
            Server,
            k => k.Configure(o => o.HealthPendingAgeThreshold = TimeSpan.FromMinutes(10)),
            s => s.AddSingleton<TimeProvider>(time));
        await host.AddTenantAsync("a");
        await host.AddTenantAsync("b");
        await host.SignUpAsync("a", "ann@a.test");
        time.Advance(TimeSpan.FromMinutes(11));
        await host.SignUpAsync("b", "ann@b.test");

        var entry = await host.CheckAsync();

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("the oldest pending call has waited 0:11:00, more than 0:10:00 (tenant(s) a).", entry.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tenants_sharing_a_database_share_its_figures_and_the_totals_count_them_once()
    {
        await using var host = await CreateAsync();
        host.AddTenantOn("a2", sharedWith: "a");
        await host.SignUpAsync("a2", "ann@a2.test");

        var state = await host.Outbox.GetStateAsync();

        Assert.Equal(7, state.PendingCalls);
        Assert.Equal(2, state.Tenants!["a"].PendingCalls);
        Assert.Equal(state.Tenants["a"], state.Tenants["a2"]);
    }

    [Fact]
    public async Task The_gauges_report_each_tenant_database_tagged_with_its_tenant_and_leave_out_one_that_is_down()
    {
        await using var host = await CreateAsync();
        host.TakeDown("b");
        using var instruments = new KissInstruments(host.Services);

        var pending = await ObserveAsync(instruments.Pending);
        var ages = await ObserveAsync(instruments.OldestPendingAge);

        Assert.Equal(new Dictionary<string, long> { ["a"] = 1, ["c"] = 3 }, pending);
        Assert.Equal(["a", "c"], ages.Keys.Order());
        Assert.All(ages.Values, age => Assert.InRange(age, 0, 60));
    }

    /// <summary>Tenants a, b and c with 1, 2 and 3 pending calls (the dispatcher not started), with keys key-a, key-b, key-c.</summary>
    private async Task<SaasHost> CreateAsync()
    {
        var host = SaasHost.Create(Server);
        var emails = 0;
        foreach (var (tenant, count) in new[] { ("a", 1), ("b", 2), ("c", 3) })
        {
            await host.AddTenantAsync(tenant, "key-" + tenant);
            await host.SignUpAsync(tenant, [.. Enumerable.Range(emails, count).Select(i => $"m{i}@{tenant}.test")]);
            emails += count;
        }

        return host;
    }

    /// <summary>Collects a gauge until it reports, and returns its last value per tenant tag.</summary>
    private static async Task<Dictionary<string, T>> ObserveAsync<T>(Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<T> gauge)
        where T : struct
    {
        var values = new Dictionary<string, T>();
        await OutboxCalls.EventuallyAsync(
            () =>
            {
                gauge.RecordObservableInstruments();
                values = gauge.GetMeasurementSnapshot()
                    .GroupBy(m => (string)m.Tags["tenant"]!)
                    .ToDictionary(g => g.Key, g => g.Last().Value);
                return Task.FromResult(values.Count > 0);
            },
            Deadline,
            () => Task.FromResult("the gauge never reported"));
        return values;
    }
}
