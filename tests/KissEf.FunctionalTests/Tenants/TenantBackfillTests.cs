using System.Text;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Tenants;

/// <summary>
/// Issue 17, "IKissBackfill per tenant and for all": a query's rows go into the outbox of its context's tenant (and wake
/// that tenant's worker); <see cref="IKissBackfill.EnqueueAllTenantsAsync"/> and <see cref="IKissBackfill.ExportAllTenantsAsync"/>
/// go through every tenant, report each, and do not stop at a tenant that fails.
/// </summary>
public sealed class TenantBackfillTests : SaasTestBase
{
    [Fact]
    public async Task A_query_of_a_tenants_context_is_enqueued_into_that_tenants_outbox_and_wakes_its_worker()
    {
        // No poll worth waiting for: only the backfill's wake of tenant b's worker delivers in time.
        await using var host = await CreateAsync(o => o.PollInterval = TimeSpan.FromMinutes(30));
        await host.StartAsync();

        var report = await host.InTenantAsync("b", db => host.Backfill.EnqueueAsync(db.Members.Where(m => m.Plan == "free")));

        Assert.Equal((2, 2), (report.RowsRead, report.CallsWritten));
        Assert.Null(report.Tenants);
        await Server.WaitForCallsAsync(2, Deadline);
        Assert.Equal(["m0@b.test", "m1@b.test"], Server.Calls.Select(c => c.Get("_p")).Order());
        Assert.All(Server.Calls, c => Assert.Equal("key-b", c.Get("_k")));
        Assert.Empty(OutboxRows.Read(host.DatabaseOf("a")));
        Assert.Empty(OutboxRows.Read(host.DatabaseOf("c")));
    }

    [Fact]
    public async Task Every_tenant_is_enqueued_each_into_its_own_outbox_and_reported()
    {
        await using var host = await CreateAsync();
        var progress = new List<KissBackfillProgress>();

        var report = await host.Backfill.EnqueueAllTenantsAsync<SaasShopContext, SaasMember>(db => db.Members, new SyncProgress(progress.Add));

        Assert.Equal((6, 6), (report.RowsRead, report.CallsWritten));
        Assert.Equal(["a", "b", "c"], report.Tenants!.Keys.Order());
        Assert.Equal([1, 2, 3], new[] { "a", "b", "c" }.Select(t => report.Tenants[t].RowsRead));
        Assert.False(report.Resumed);

        // Told after each tenant's chunk, with the totals of the tenants so far.
        Assert.Equal([1, 3, 6], progress.Select(p => p.CallsWritten));
        foreach (var (tenant, count) in new[] { ("a", 1), ("b", 2), ("c", 3) })
        {
            var row = Assert.Single(OutboxRows.Read(host.DatabaseOf(tenant)));
            Assert.Equal(count, row.CallCount);
            Assert.StartsWith($"_tenant={tenant}\n", row.Calls, StringComparison.Ordinal);
        }

        await host.Dispatcher.FlushAsync();
        await Server.WaitForCallsAsync(6, Deadline);
        Assert.All(Server.Calls, c => Assert.Equal("key-" + c.Get("_p")![^6..^5], c.Get("_k")));
    }

    [Fact]
    public async Task A_tenant_that_fails_does_not_stop_the_others_and_is_named()
    {
        await using var host = await CreateAsync();
        host.TakeDown("b");

        var thrown = await Assert.ThrowsAsync<AggregateException>(
            () => host.Backfill.EnqueueAllTenantsAsync<SaasShopContext, SaasMember>(db => db.Members));

        Assert.StartsWith("IKissBackfill.EnqueueAllTenantsAsync failed in 1 of 3 tenant(s); the others were backfilled.", thrown.Message, StringComparison.Ordinal);
        Assert.StartsWith("KissEf could not backfill tenant 'b': ", Assert.Single(thrown.InnerExceptions).Message, StringComparison.Ordinal);
        Assert.Single(OutboxRows.Read(host.DatabaseOf("a")));
        Assert.Single(OutboxRows.Read(host.DatabaseOf("c")));
    }

    [Fact]
    public async Task Every_tenant_is_exported_to_the_stream_given_for_it()
    {
        await using var host = await CreateAsync();
        var files = new Dictionary<string, MemoryStream>();

        var report = await host.Backfill.ExportAllTenantsAsync<SaasShopContext, SaasMember>(
            db => db.Members.OrderBy(m => m.Id),
            tenant => files[tenant] = new MemoryStream());

        Assert.Equal(6, report.CallsWritten);
        Assert.Equal(3, report.Tenants!["c"].CallsWritten);
        Assert.Equal(["a", "b", "c"], files.Keys.Order());
        var lines = Encoding.UTF8.GetString(files["b"].ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("""{"_p":"m0@b.test","_n":"Signed Up","plan":"free","_t":""", lines[0], StringComparison.Ordinal);
        Assert.Empty(Server.AllRequests);
        foreach (var file in files.Values)
        {
            Assert.True(file.CanWrite, "The caller's stream stays open.");
            await file.DisposeAsync();
        }
    }

    [Fact]
    public async Task Backfilling_every_tenant_needs_UseTenants()
    {
        using var database = new SqliteDatabase();
        await using var host = OutboxTestHost.Create(database, Server);

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(
            () => host.Services.GetRequiredService<IKissBackfill>().EnqueueAllTenantsAsync<OutboxShopContext, OutboxCustomer>(db => db.Customers));

        Assert.Contains("KissEf knows no tenants: call UseTenants<T>()", thrown.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Tenants a, b and c (keys key-a, key-b, key-c) whose databases hold 1, 2 and 3 members signed up before KissEf
    /// (their outbox emptied), members m0@a.test, m0@b.test, m1@b.test, m0@c.test, …; the dispatcher not started.
    /// </summary>
    private async Task<SaasHost> CreateAsync(Action<KissTrackingOptions>? options = null)
    {
        var host = SaasHost.Create(Server, k => k.Configure(o => options?.Invoke(o)));
        foreach (var (tenant, count) in new[] { ("a", 1), ("b", 2), ("c", 3) })
        {
            await host.AddTenantAsync(tenant, "key-" + tenant);
            await host.SignUpAsync(tenant, [.. Enumerable.Range(0, count).Select(i => $"m{i}@{tenant}.test")]);
            OutboxRows.Execute(host.DatabaseOf(tenant), $"DELETE FROM {OutboxRows.Table}");
        }

        return host;
    }

    private sealed class SyncProgress(Action<KissBackfillProgress> report) : IProgress<KissBackfillProgress>
    {
        public void Report(KissBackfillProgress value) => report(value);
    }
}
