using KissEf.Internal.Outbox.Dispatch;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace KissEf.Tests.Tenants;

/// <summary>
/// What docs/multi-tenant.md says of a database per tenant, and the operations it shows (its samples are regions of
/// this file): new tenants found at their first local commit or within <see cref="KissTrackingOptions.TenantRefreshInterval"/>,
/// other instances' commits found by the poll, tenants of one database worked by one worker, a tenant database down
/// holding up no other (2011 and 2013 naming the tenant), a flush and a retry of one tenant, and persons of several
/// tenants that share an e-mail.
/// </summary>
public sealed class MultiTenantPageTests : SaasTestBase
{
    [Fact]
    public async Task A_new_tenant_is_worked_at_once_when_it_commits_here_whatever_the_refresh_interval()
    {
        await using var host = SaasHost.Create(Server, k => k.Configure(o =>
        {
            o.TenantRefreshInterval = TimeSpan.FromHours(1);
            o.PollInterval = TimeSpan.FromMinutes(30);
        }));
        await host.AddTenantAsync("a");
        await host.StartAsync();

        await host.AddTenantAsync("new");
        await host.SignUpAsync("new", "ann@new.test");

        await Server.WaitForCallsAsync(1, Deadline);
        Assert.Equal("ann@new.test", Server.Calls[0].Get("_p"));
    }

    [Fact]
    public async Task Another_instances_commit_is_found_in_a_new_tenant_within_the_refresh_interval_and_in_a_known_one_by_the_poll()
    {
        // This instance: a refresh every second (SaasHost's), a poll every 200 ms; no local commit in either tenant.
        await using var host = SaasHost.Create(Server, k => k.Configure(o => o.PollInterval = TimeSpan.FromMilliseconds(200)));
        await host.AddTenantAsync("a");
        await host.StartAsync();
        await using var other = SaasHost.Create(Server);
        other.Directory.Set(host.Directory.Find("a")!);

        await other.SignUpAsync("a", "ann@a.test");
        await Server.WaitForCallsAsync(1, Deadline);

        await host.AddTenantAsync("new");
        other.Directory.Set(host.Directory.Find("new")!);
        await other.SignUpAsync("new", "ann@new.test");
        await Server.WaitForCallsAsync(2, Deadline);

        Assert.Equal(["ann@a.test", "ann@new.test"], Server.Calls.Select(c => c.Get("_p")).Order());
    }

    [Fact]
    public async Task Tenants_on_one_database_are_worked_by_one_worker()
    {
        await using var host = SaasHost.Create(Server);
        await host.AddTenantAsync("a");
        host.AddTenantOn("a2", sharedWith: "a");
        await host.AddTenantAsync("b");

        await host.Dispatcher.FlushAsync();
        var workers = await host.Services.GetRequiredService<KissOutboxDispatcher>().WorkersAsync(CancellationToken.None);

        Assert.Equal([["a", "a2"], ["b"]], workers.Select(w => w.Target.TenantIds.Order().ToArray()).OrderBy(t => t[0]));
    }

    [Fact]
    public async Task A_tenant_database_that_is_down_holds_up_no_other_and_the_log_names_it()
    {
        await using var host = SaasHost.Create(Server);
        foreach (var tenant in new[] { "a", "b", "c" })
        {
            await host.AddTenantAsync(tenant);
            await host.SignUpAsync(tenant, $"ann@{tenant}.test");
        }

        host.TakeDown("b");
        host.Directory.Set(new SaasTenant("ghost", ConnectionString: null));
        await host.StartAsync();
        await Server.WaitForCallsAsync(2, Deadline);
        Assert.Equal(["ann@a.test", "ann@c.test"], Server.Calls.Select(c => c.Get("_p")).Order());

        // The tenant that could not be entered gets its database: it is entered again, at its commit (or the next refresh).
        await host.AddTenantAsync("ghost");
        await host.SignUpAsync("ghost", "ann@ghost.test");
        await Server.WaitForCallsAsync(3, Deadline);
        await host.StopAsync();

        Assert.Equal("ann@ghost.test", Server.Calls[2].Get("_p"));
        Assert.Contains("SaasShopContext (tenant b) cannot reach its database", Assert.Single(host.Logs.WithEventId(KissEfEventId.OutboxDatabaseUnavailable)).Message, StringComparison.Ordinal);
        Assert.Contains("could not enter tenant 'ghost'", Assert.Single(host.Logs.WithEventId(KissEfEventId.TenantUnavailable)).Message, StringComparison.Ordinal);
        Assert.Single(OutboxRows.Read(host.DatabaseOf("b")));
    }

    [Fact]
    public void The_refresh_and_the_poll_default_to_a_minute_and_5_seconds()
    {
        var options = new KissTrackingOptions();
        Assert.Equal((TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5)), (options.TenantRefreshInterval, options.PollInterval));
    }

    [Fact]
    public async Task One_tenant_is_flushed_and_its_dead_calls_retried_without_touching_the_others()
    {
        await using var host = SaasHost.Create(Server);
        await host.AddTenantAsync("acme", "key-acme");
        await host.AddTenantAsync("globex", "key-globex");
        await host.SignUpAsync("acme", "ann@acme.test");
        await host.SignUpAsync("globex", "ann@globex.test");
        var dispatcher = host.Dispatcher;
        var outbox = host.Outbox;

        // acme's calls refused once: its row dies.
        Server.RespondNext(FakeResponse.Status(400));

        #region flush-tenant
        await dispatcher.FlushTenantAsync("acme");   // acme's calls have had their attempt; other tenants' wait
        #endregion

        Assert.Equal(1, (await outbox.GetTenantStateAsync("acme")).DeadCalls);
        Assert.Equal(1, (await outbox.GetTenantStateAsync("globex")).PendingCalls);

        #region tenant-operations
        var state = await outbox.GetStateAsync();                       // every tenant: totals, and state.Tenants by tenant id
        var acme = state.Tenants!["acme"];                              // or: await outbox.GetTenantStateAsync("acme")
        if (acme.DeadCalls > 0)
        {
            await outbox.RetryTenantDeadAsync("acme");                  // revive acme's dead rows only
        }

        await outbox.PurgeTenantDeadAsync("acme", TimeSpan.FromDays(30));
        #endregion

        await dispatcher.FlushTenantAsync("acme");
        await Server.WaitForCallsAsync(1, Deadline);
        Assert.Equal(("ann@acme.test", "key-acme"), (Server.Calls[0].Get("_p"), Server.Calls[0].Get("_k")));
        Assert.Equal(1, (await outbox.GetTenantStateAsync("globex")).PendingCalls);
        Assert.Equal(0, (await outbox.GetTenantStateAsync("acme")).PendingCalls + (await outbox.GetTenantStateAsync("acme")).DeadCalls);
    }

    [Fact]
    public async Task Every_tenant_is_backfilled_as_the_page_shows()
    {
        await using var host = SaasHost.Create(Server);
        await host.AddTenantAsync("acme");
        await host.AddTenantAsync("globex");
        await host.SignUpAsync("acme", "ann@acme.test");
        await host.SignUpAsync("globex", "ann@globex.test", "bob@globex.test");
        var backfill = host.Backfill;

        #region backfill-all
        // Each tenant's members, from a context of a scope entered for the tenant, into that tenant's outbox.
        var report = await backfill.EnqueueAllTenantsAsync<SaasShopContext, SaasMember>(db => db.Members);
        var globex = report.Tenants!["globex"];                          // and report.RowsRead, the total
        #endregion

        Assert.Equal((3, 2), (report.RowsRead, globex.RowsRead));
    }

    [Fact]
    public async Task The_same_email_in_two_tenants_that_share_a_key_is_one_person_at_the_vendor_and_its_second_event_of_a_second_moves_on()
    {
        // The saves' clock stands still: both saves in one second, as two sign-ups of two tenants may be.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = SaasHost.Create(Server, services: s => s.AddSingleton<TimeProvider>(time));
        await host.AddTenantAsync("acme");
        await host.AddTenantAsync("globex");

        // Both joined at the same time (SaasMember's JoinedAt): the same _p, _n and _t.
        await host.SignUpAsync("acme", "ann@example.com");
        await host.SignUpAsync("globex", "ann@example.com");
        await host.Dispatcher.FlushAsync();
        await Server.WaitForCallsAsync(2, Deadline);

        Assert.All(Server.Calls, c => Assert.Equal(("ann@example.com", SaasHost.ApiKey), (c.Get("_p"), c.Get("_k"))));
        var joined = new SaasMember().JoinedAt.ToUnixTimeSeconds();
        Assert.Equal([joined, joined + 1], Server.Calls.Select(c => long.Parse(c.Get("_t")!, System.Globalization.CultureInfo.InvariantCulture)).Order());
    }
}
