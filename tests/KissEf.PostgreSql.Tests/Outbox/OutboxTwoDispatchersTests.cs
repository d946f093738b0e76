using KissEf.Tests.Infrastructure;
using KissEf.Tests.Postgres;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KissEf.Tests.Outbox;

/// <summary>
/// Issue 3, "Two dispatchers": two hosts on one database (a SQLite file, a PostgreSQL database); every call is delivered and no call is sent by both.
/// The endpoint always answers 200, so with leases a call has no reason to be sent twice: each arrives once.
/// </summary>
public sealed class OutboxTwoDispatchersTests : OutboxTestBase
{
    public static TheoryData<Provider> OnBoth => new(Providers.All);

    [Theory]
    [MemberData(nameof(OnBoth))]
    public async Task Two_hosts_on_one_database_deliver_5000_calls_each_exactly_once(Provider provider)
    {
        const int total = 5000;
        const int perSave = 250;

        // Small claims (2 rows = 200 calls) so that the two instances keep competing for rows.
        static void Options(KissTrackingOptions o) => o.ClaimBatchSize = 2;
        await using var a = await CreateHostAsync(provider, Options);
        await using var b = await CreateHostAsync(provider, Options);
        await a.EnsureCreatedAsync();
        await a.StartAsync();
        await b.StartAsync();

        // Both instances commit (and so wake their own dispatcher) while both dispatch.
        await Task.WhenAll(
            CommitAsync(a, 0, total / 2),
            CommitAsync(b, total / 2, total / 2));
        await Server.WaitForCallsAsync(total, TimeSpan.FromSeconds(60));
        await a.Dispatcher.FlushAsync();
        await b.Dispatcher.FlushAsync();

        var duplicates = Server.AllRequests.GroupBy(c => c.Url).Where(g => g.Count() > 1).ToList();
        Assert.True(duplicates.Count == 0, $"{duplicates.Count} call(s) sent more than once, e.g. {string.Join("; ", duplicates.Take(5).Select(g => g.Key))}");
        Assert.Equal(total, Server.AllRequests.Count);
        OutboxCalls.AssertSameCalls(
            Enumerable.Range(0, total).Select(i => OutboxCalls.SignedUp($"two-{i}")),
            Server.Calls.Select(OutboxCalls.KeyOf));

        // Both really dispatched (event 2001 = one delivered call), and neither hit an error (a lock timeout, say).
        var sentByA = a.Logs.WithEventId(2001).Count;
        var sentByB = b.Logs.WithEventId(2001).Count;
        Assert.True(sentByA > 0 && sentByB > 0, $"A sent {sentByA}, B sent {sentByB}");
        Assert.Equal(total, sentByA + sentByB);
        Assert.Empty(a.Logs.Errors);
        Assert.Empty(b.Logs.Errors);
        Assert.Equal(new KissOutboxState(0, 0, 0, 0, null), (await a.Outbox.GetStateAsync()) with { Contexts = null });

        async Task CommitAsync(OutboxTestHost host, int start, int count)
        {
            for (var i = start; i < start + count; i += perSave)
            {
                await host.AddCustomersAsync(OutboxTestHost.Customers("two", i, perSave));
            }
        }
    }

    [Theory]
    [MemberData(nameof(OnBoth))]
    public async Task A_batch_that_outlasts_its_lease_is_not_sent_again_by_the_other_host_at_the_same_time(Provider provider)
    {
        // A slow but healthy endpoint: every call answered 200 after 400 ms. One row of 12 calls sent one at a time
        // takes about 5 s, more than twice the 2 s lease. The other instance must not take the row (and send its
        // calls again) while the first one is still sending it.
        const int total = 12;
        Server.SetResponder((_, _) => new FakeResponse(200, Delay: TimeSpan.FromMilliseconds(400)));
        static void Options(KissTrackingOptions o)
        {
            o.LeaseDuration = TimeSpan.FromSeconds(2);
            o.MaxConcurrency = 1;
            o.ShutdownTimeout = TimeSpan.FromSeconds(1);
        }

        await using var a = await CreateHostAsync(provider, Options);
        await using var b = await CreateHostAsync(provider, Options);
        await a.EnsureCreatedAsync();
        await a.StartAsync();
        await b.StartAsync();
        await a.AddCustomersAsync(OutboxTestHost.Customers("slow", 0, total));

        // Until the outbox is empty, or a call has come twice.
        await OutboxCalls.EventuallyAsync(
            async () => Server.AllRequests.GroupBy(c => c.Url).Any(g => g.Count() > 1)
                || (Server.Calls.Count >= total && (await OutboxRows.ReadAsync(a)).Count == 0),
            TimeSpan.FromSeconds(30),
            async () => $"{Server.Calls.Count} delivered; rows: {string.Join("; ", (await OutboxRows.ReadAsync(a)).Select(r => $"{r.CallCount} call(s), owner {r.LeaseOwner}"))}");

        var duplicates = Server.AllRequests.GroupBy(c => c.Url).Where(g => g.Count() > 1).ToList();
        Assert.True(
            duplicates.Count == 0,
            $"{duplicates.Count} of {total} calls were sent more than once while the endpoint always answered 200 " +
            $"({Server.AllRequests.Count} requests so far), e.g.{Environment.NewLine}{string.Join(Environment.NewLine, duplicates.Take(3).SelectMany(g => g).Select(c => $"{c.ReceivedAt:HH:mm:ss.fff} {c}"))}" +
            $"{Environment.NewLine}A: {a.Logs}{Environment.NewLine}B: {b.Logs}");
        OutboxCalls.AssertSameCalls(Enumerable.Range(0, total).Select(i => OutboxCalls.SignedUp($"slow-{i}")), Server.Calls.Select(OutboxCalls.KeyOf));
    }

    [Fact]
    public async Task A_claim_that_comes_back_after_its_lease_ended_is_not_sent_once_another_host_has_taken_its_row()
    {
        // Host A's first claim comes back only after its 1 s lease has ended, and host B has taken the row meanwhile and
        // delivered its calls (seen in CI: a process's first claim, which compiles its query, took longer than the lease
        // on a loaded machine). A must not send the row again: the row is B's now.
        const int total = 10;
        var slow = new HeldCommand("SKIP LOCKED", Hold.AfterItRan);
        await using var a = await CreateShortLeaseHostAsync(slow);
        await a.EnsureCreatedAsync();
        await a.AddCustomersAsync(OutboxTestHost.Customers("late", 0, total));

        var startingA = a.StartAsync();
        await slow.Held.WaitAsync(TimeSpan.FromSeconds(30));
        await using var b = await CreateShortLeaseHostAsync();
        await b.StartAsync();
        await Server.WaitForCallsAsync(total, TimeSpan.FromSeconds(30));
        slow.Release();
        await startingA;

        await AssertEachSentOnceAsync("late", total, "A sent a row it had lost", a, b);
    }

    [Fact]
    public async Task A_batch_whose_lease_cannot_be_renewed_starts_no_call_once_less_than_a_third_of_its_lease_is_left()
    {
        // One row of 12 calls, sent one at a time to an endpoint answering in 300 ms: about 4 s, four times the 1 s lease,
        // and every renewal fails. The host must stop starting calls of the row once a third of its lease is left
        // (another instance could take the row then) and send the rest in later attempts, each under a lease of its own.
        const int total = 12;
        Server.SetResponder((_, _) => new FakeResponse(200, Delay: TimeSpan.FromMilliseconds(300)));
        var renewals = new FailingRenewals();
        await using var host = await CreateShortLeaseHostAsync(renewals, o => o.MaxConcurrency = 1);
        await host.EnsureCreatedAsync();
        await host.StartAsync();
        await host.AddCustomersAsync(OutboxTestHost.Customers("short", 0, total));
        await Server.WaitForCallsAsync(total, TimeSpan.FromSeconds(60));

        await AssertEachSentOnceAsync("short", total, "a call was sent twice by one host", host);
        var held = host.Logs.WithEventId(2002).Where(e => e.Message.Contains("the lease of its batch was running out", StringComparison.Ordinal)).ToList();
        Assert.True(held.Count > 0 && renewals.Failed > 0, $"no call was held back for its lease ({renewals.Failed} renewal(s) failed){Environment.NewLine}{host.Logs}");
    }

    [Fact]
    public async Task A_delete_that_takes_three_leases_to_run_keeps_its_rows_from_the_other_host()
    {
        // Host A has delivered the row, and its delete takes three times the lease to run (seen in CI: a process's
        // first delete, which compiles its query, took 8 s on a loaded machine). Host B polls meanwhile. A's lease must
        // be renewed until its delete has run, or B takes the delivered row and sends it again. A 6 s lease, renewed
        // every 2 s: with a 1 s lease a renewal 0.7 s late on a starved CI machine let B in, and with a 3 s lease one
        // more than 2 s late did, while a hundred tenant databases were drained beside it (seen once each).
        const int total = 10;
        var lease = TimeSpan.FromSeconds(6);
        void Lease(KissTrackingOptions o) => o.LeaseDuration = lease;
        var slow = new HeldCommand("DELETE FROM", Hold.BeforeItRuns);
        await using var a = await StartUntilHeldAsync(slow, "settle", total, Lease);
        Assert.Equal(total, Server.AllRequests.Count);

        await using var b = await CreateShortLeaseHostAsync(configure: Lease);
        await b.StartAsync();
        // Held until A has renewed its lease two lease periods past where it first ended, B polling all the while:
        // without the renewals B would have claimed the row by then. Polled from the table, with a deadline.
        var renewedTo = (await OutboxRows.ReadAsync(a)).Select(r => r.LeaseExpiresAt).DefaultIfEmpty().Max() + (long)(lease * 2).TotalMilliseconds;
        await OutboxCalls.EventuallyAsync(
            async () => (await OutboxRows.ReadAsync(a)).Select(r => r.LeaseExpiresAt).DefaultIfEmpty().Max() >= renewedTo,
            TimeSpan.FromSeconds(60),
            async () => $"A's lease was not renewed to {renewedTo}: {string.Join("; ", await OutboxRows.ReadAsync(a))}");
        slow.Release();

        await AssertEachSentOnceAsync("settle", total, "B sent the row again while A's delete was running", a, b);
    }

    [Fact]
    public async Task A_hosts_first_renewal_runs_before_its_first_batch_is_sent_and_finds_the_row_taken_when_it_took_longer_than_the_lease()
    {
        // Host A's first renewal takes longer than its 1 s lease (seen in CI: a process's first renewal, which compiles
        // its query, took 12 s on a loaded machine); host B takes the row once A's lease has ended, and delivers it.
        // A's first renewal must run before A sends its first batch, so that A learns the row is B's and sends nothing.
        const int total = 10;
        var slow = new HeldCommand("SET lease_expires_at = ", Hold.BeforeItRuns);
        await using var a = await StartUntilHeldAsync(slow, "first", total);

        await using var b = await CreateShortLeaseHostAsync();
        await b.StartAsync();
        await OutboxCalls.EventuallyAsync(
            () => Task.FromResult(b.Logs.WithEventId(2001).Count >= total),
            TimeSpan.FromSeconds(30),
            () => Task.FromResult($"B delivered {b.Logs.WithEventId(2001).Count} of {total} calls"));
        slow.Release();

        await AssertEachSentOnceAsync("first", total, "A sent calls of a row B took", a, b);
    }

    /// <summary>Starts host A with <paramref name="slow"/> on its context, commits <paramref name="total"/> calls, and waits until A's command is held.</summary>
    private async Task<OutboxTestHost> StartUntilHeldAsync(HeldCommand slow, string prefix, int total, Action<KissTrackingOptions>? configure = null)
    {
        var a = await CreateShortLeaseHostAsync(slow, configure);
        try
        {
            await a.EnsureCreatedAsync();
            await a.StartAsync();
            await a.AddCustomersAsync(OutboxTestHost.Customers(prefix, 0, total));
            await slow.Held.WaitAsync(TimeSpan.FromSeconds(30));
            return a;
        }
        catch
        {
            await a.DisposeAsync();
            throw;
        }
    }

    /// <summary>A host on this test's PostgreSQL database with a 1 s lease (unless <paramref name="configure"/> says otherwise), and <paramref name="interceptor"/> on its context.</summary>
    private Task<OutboxTestHost> CreateShortLeaseHostAsync(IInterceptor? interceptor = null, Action<KissTrackingOptions>? configure = null)
        => CreateHostAsync(
            Provider.Postgres,
            o =>
            {
                o.LeaseDuration = TimeSpan.FromSeconds(1);
                configure?.Invoke(o);
            },
            interceptor is null ? null : db => db.AddInterceptors(interceptor));

    /// <summary>Once <paramref name="hosts"/> have drained: each call "prefix-i" was sent once, and the outbox is empty.</summary>
    private async Task AssertEachSentOnceAsync(string prefix, int total, string failure, params OutboxTestHost[] hosts)
    {
        foreach (var host in hosts)
        {
            await host.Dispatcher.FlushAsync();
        }

        Assert.True(
            Server.AllRequests.Count == total,
            $"{Server.AllRequests.Count - total} call(s) more than the {total} committed: {failure}{Environment.NewLine}A: {hosts[0].Logs}");
        OutboxCalls.AssertSameCalls(Enumerable.Range(0, total).Select(i => OutboxCalls.SignedUp($"{prefix}-{i}")), Server.Calls.Select(OutboxCalls.KeyOf));
        Assert.Equal(new KissOutboxState(0, 0, 0, 0, null), (await hosts[0].Outbox.GetStateAsync()) with { Contexts = null });
    }
}
