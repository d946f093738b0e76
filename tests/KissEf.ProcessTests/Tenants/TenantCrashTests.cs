using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using KissEf.Tests.Support.Tenants;
using Xunit.Abstractions;

namespace KissEf.Tests.Tenants;

/// <summary>
/// Issue 17, "a dispatcher process killed mid-drain": a dispatcher process working four tenant databases (SQLite files,
/// or PostgreSQL databases on the private server) is killed (SIGKILL) while it holds leases in them; a new instance delivers every call, and sends again only calls of the rows
/// the killed one held, after their lease ended.
/// </summary>
public sealed class TenantCrashTests(ITestOutputHelper output)
{
    private const int Tenants = 4;
    private const int Saves = 40;
    private const int UsersPerSave = 10;

    // Long enough that a cold child on a loaded 2-core machine renews its first leases in time (every third of it): its
    // first batch (HttpClient and EF queries compiled on first use) took over 3 s there, and a lease that ends while its
    // owner still sends lets the owner's own next claim take the rows again (a legitimate at-least-once duplicate).
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(8);

    [Theory]
    [InlineData(Provider.Sqlite)]
    [InlineData(Provider.Postgres)]
    public async Task A_dispatcher_killed_mid_drain_over_four_tenant_databases_loses_no_call_and_a_new_instance_sends_none_of_its_own_twice(Provider provider)
    {
        await using var server = await FakeTrackingServer.StartAsync();

        // A tracking host that answers in 5 ms, so that the dispatcher always has calls in flight when it is killed.
        server.SetResponder((_, _) => new FakeResponse(200, Delay: TimeSpan.FromMilliseconds(5)));
        var store = new TenantStore();
        await using var databases = await TenantDatabases.CreateAsync(provider, store, Tenants);
        var ids = databases.Ids;

        // Never started: it writes, and reads the tables.
        await using var reader = TenantTestHost.Create(store, server.Endpoint);
        await reader.EnsureCreatedAsync(ids);
        foreach (var tenant in ids)
        {
            for (var save = 0; save < Saves; save++)
            {
                await reader.AddUsersAsync(tenant, Enumerable.Range(0, UsersPerSave).Select(u => TenantWorkload.Email(tenant, 0, save, u)));
            }
        }

        var rowsAtStart = 0;
        foreach (var tenant in ids)
        {
            rowsAtStart += (await OutboxRows.ReadAsync(reader, tenant)).Count;
        }

        var expected = TenantWorkload.Expected(ids, 1, Saves, UsersPerSave).Where(k => !k.Contains(TenantWorkload.Shared, StringComparison.Ordinal)).ToList();
        Assert.Equal(Tenants * Saves * UsersPerSave, expected.Count);

        // The child dispatches; kill it once a quarter is delivered and it holds a lease.
        List<(string Tenant, OutboxRow Row)> orphaned;
        string childOutput;
        var killedAfter = 0;
        using (var child = DispatcherHostProcess.StartTenants(ids.ToDictionary(id => id, store.ConnectionStringOf), server.Endpoint, Lease, TimeSpan.FromSeconds(1)))
        {
            await child.WaitForStartedAsync(TimeSpan.FromSeconds(60));
            await server.WaitForCallsAsync(expected.Count / 4, TimeSpan.FromSeconds(120));
            await OutboxCalls.EventuallyAsync(
                async () => (await LeasedAsync(reader, ids, child.ProcessId)).Count > 0,
                TimeSpan.FromSeconds(60),
                () => Task.FromResult($"the child held no lease; it wrote:{Environment.NewLine}{child.Output}"));
            await child.KillAsync();
            killedAfter = server.Calls.Count;
            Assert.True(child.HasExited);
            orphaned = await LeasedAsync(reader, ids, child.ProcessId);
            childOutput = child.Output;
            Assert.NotEmpty(orphaned);

            // Each tenant's worker holds at most the batch it sends and the one it claimed ahead, of ClaimBatchSize (2)
            // rows each. (On PostgreSQL a claim once leased every due row of a table: all its calls were sent again.)
            Assert.InRange(orphaned.Count, 1, Tenants * 2 * 2);
            Assert.True(server.Calls.Count < expected.Count, "the child delivered everything before it was killed");
        }

        // A new instance (here, in the test process) takes over every tenant.
        await using var next = TenantTestHost.Create(store, server.Endpoint);
        await next.StartAsync();
        var want = expected.ToHashSet(StringComparer.Ordinal);
        await server.WaitUntilAsync(
            (ok, _) => ok.Select(OutboxCalls.KeyOf).Distinct(StringComparer.Ordinal).Count() >= want.Count,
            $"{want.Count} distinct calls",
            TimeSpan.FromSeconds(120));
        await next.Dispatcher.FlushAsync();

        var calls = server.Calls;
        Assert.True(want.SetEquals(calls.Select(OutboxCalls.KeyOf)), "the delivered calls are not the committed ones");
        Assert.Empty(server.ConcurrentDuplicates);

        // A call sent twice is one of a row the killed process held, sent again once its lease had ended.
        var orphanedEmails = orphaned.SelectMany(o => EmailsOf(o.Row)).ToHashSet(StringComparer.Ordinal);
        var twice = calls.GroupBy(c => c.Get("_p")!).Where(g => g.Count() > 1).ToList();
        var unexpected = twice.Where(g => !orphanedEmails.Contains(g.Key)).ToList();
        Assert.True(
            unexpected.Count == 0,
            $"{unexpected.Count} call(s) sent twice, not of a row the killed process held ({string.Join(", ", orphaned.Select(o => $"{o.Tenant} row {o.Row.Id}"))}), e.g. " +
            string.Join("; ", unexpected.Take(5).Select(g => $"{g.Key} at {string.Join(" and ", g.Select(c => c.ReceivedAt.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture)))}")) +
            $"{Environment.NewLine}The killed process wrote:{Environment.NewLine}{childOutput}{Environment.NewLine}The new instance logged:{Environment.NewLine}{string.Join(Environment.NewLine, next.Logs.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning))}");
        foreach (var (tenant, row) in orphaned)
        {
            foreach (var email in EmailsOf(row))
            {
                var last = calls.Where(c => c.Get("_p") == email).Max(c => c.ReceivedAt);
                Assert.True(
                    last.ToUnixTimeMilliseconds() >= row.LeaseExpiresAt,
                    $"{email} of row {row.Id} in {tenant} was last delivered at {last:HH:mm:ss.fff}, before the killed process's lease ended");
            }
        }

        foreach (var tenant in ids)
        {
            Assert.Empty(await OutboxRows.ReadAsync(reader, tenant));
        }

        Assert.Empty(next.Logs.Errors);
        output.WriteLine($"{expected.Count} calls in {rowsAtStart} rows over {Tenants} tenants; {killedAfter} delivered when killed; killed holding {orphaned.Count} row(s) in {orphaned.Select(o => o.Tenant).Distinct().Count()} tenant(s); {twice.Count} call(s) sent again");
    }

    /// <summary>The rows of every tenant leased by process <paramref name="processId"/>.</summary>
    private static async Task<List<(string Tenant, OutboxRow Row)>> LeasedAsync(TenantTestHost reader, IReadOnlyList<string> ids, int processId)
    {
        var leased = new List<(string, OutboxRow)>();
        foreach (var tenant in ids)
        {
            leased.AddRange((await OutboxRows.ReadAsync(reader, tenant))
                .Where(r => r.LeaseOwner?.Contains($"/{processId}/", StringComparison.Ordinal) == true)
                .Select(r => (tenant, r)));
        }

        return leased;
    }

    /// <summary>
    /// The e-mails (<c>_p</c>) of a row's calls: its lines "e?_p=...&amp;...", without its header line (the tenant's
    /// <c>_tenant=…</c>, a trace's parameters), which names no call.
    /// </summary>
    private static IEnumerable<string> EmailsOf(OutboxRow row)
        => row.Lines
            .Select(line => line.Split('?', 2))
            .Where(parts => parts.Length == 2)
            .Select(parts => parts[1].Split('&').Single(pair => pair.StartsWith("_p=", StringComparison.Ordinal)))
            .Select(pair => Uri.UnescapeDataString(pair[3..]));
}
