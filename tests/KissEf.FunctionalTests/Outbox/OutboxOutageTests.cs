using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;

namespace KissEf.Tests.Outbox;

/// <summary>
/// Issue 3, "Outage": the endpoint answers 500, then refuses connections, then recovers: every call is delivered,
/// none lost, each <c>_t</c> unchanged across its retries; a 429 with Retry-After is respected.
/// </summary>
public sealed class OutboxOutageTests : OutboxTestBase
{
    [Fact]
    public async Task Every_call_survives_500s_then_refused_connections_and_keeps_its_t_across_retries()
    {
        await using var host = CreateHost();
        await host.EnsureCreatedAsync();
        await host.StartAsync();

        // Phase 1: 500 for everything.
        Server.AlwaysFail(500);
        await host.AddCustomersAsync(OutboxTestHost.Customers("o", 0, 150)); // two chunk rows
        await host.AddCustomersAsync([OutboxTestHost.Customer("o-150")]);
        await host.WithContextAsync(async db =>
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            db.Customers.AddRange(OutboxTestHost.Customers("o", 151, 9));
            await db.SaveChangesAsync();
            await tx.CommitAsync();
        });
        const int total = 160;

        // Every row failed at least three times (so it was retried at least twice). A row's calls after the first
        // failure wait for its next attempt, so not every call was tried.
        await OutboxCalls.EventuallyAsync(
            () => Task.FromResult(OutboxRows.Read(Database) is { Count: 4 } rows && rows.All(r => r.Attempts >= 3)),
            TimeSpan.FromSeconds(30),
            () => Task.FromResult(string.Join("; ", OutboxRows.Read(Database))));
        Assert.Empty(Server.Calls);
        Assert.All(Server.AllRequests, c => Assert.Equal(500, c.StatusCode));

        // Phase 2: connections refused; wait until the dispatcher has recorded a network error.
        await Server.StopAsync();
        await OutboxCalls.EventuallyAsync(
            () => Task.FromResult(OutboxRows.Read(Database).Any(r => r.LastError?.StartsWith("network error", StringComparison.Ordinal) == true)),
            TimeSpan.FromSeconds(20),
            () => Task.FromResult(string.Join("; ", OutboxRows.Read(Database).Select(r => r.LastError).Distinct())));
        var state = await host.Outbox.GetStateAsync();
        Assert.Equal((total, 0), (state.PendingCalls, state.DeadCalls));

        // Phase 3: back on the same port, answering 200.
        Server.Recover();
        await Server.RestartAsync();
        await Server.WaitForCallsAsync(total, TimeSpan.FromSeconds(30));
        await host.Dispatcher.FlushAsync();

        var expected = Enumerable.Range(0, total).Select(i => OutboxCalls.SignedUp($"o-{i}")).ToList();
        OutboxCalls.AssertSameCalls(expected, Server.Calls.Select(OutboxCalls.KeyOf));
        OutboxCalls.AssertWellFormed(Server.AllRequests);

        // The same call is the same request on every attempt: one _t per (_p, _n), one URL per call.
        foreach (var attempts in Server.AllRequests.GroupBy(c => (c.Get("_p"), c.Get("_n"))))
        {
            Assert.Single(attempts.Select(c => c.Get("_t")).Distinct());
            Assert.Single(attempts.Select(c => c.Url).Distinct());
            Assert.Equal(200, attempts.Last().StatusCode);
        }

        Assert.Equal(new KissOutboxState(0, 0, 0, 0, null), (await host.Outbox.GetStateAsync()) with { Contexts = null });
        Assert.Empty(OutboxRows.Read(Database));
        Assert.Empty(host.Logs.Errors);
    }

    [Fact]
    public async Task A_429_with_Retry_After_holds_the_retry_back_for_that_long()
    {
        await using var host = CreateHost();
        await host.EnsureCreatedAsync();
        await host.StartAsync();

        // Without Retry-After the retry would come after ~20 ms (RetryBaseDelay).
        Server.RespondWith429(1, TimeSpan.FromSeconds(1));
        await host.AddCustomersAsync([OutboxTestHost.Customer("busy")]);
        await Server.WaitForCallsAsync(1, TimeSpan.FromSeconds(20));

        var attempts = Server.AllRequests;
        Assert.Equal([429, 200], attempts.Select(c => c.StatusCode));
        var waited = attempts[1].ReceivedAt - attempts[0].ReceivedAt;
        Assert.True(waited >= TimeSpan.FromMilliseconds(900), $"retried after {waited.TotalMilliseconds} ms");
        Assert.Equal(attempts[0].Url, attempts[1].Url);
        await host.Dispatcher.FlushAsync();
        Assert.Empty(OutboxRows.Read(Database));
    }

    [Fact]
    public async Task A_429_on_one_call_of_a_chunk_holds_back_only_what_was_not_delivered()
    {
        await using var host = CreateHost();
        await host.EnsureCreatedAsync();
        await host.StartAsync();

        var busy = OutboxTestHost.EmailOf("chunk-3");
        Server.SetResponder((call, attempt) => call.Get("_p") == busy && attempt == 1 ? FakeResponse.TooManyRequests(TimeSpan.FromSeconds(1)) : null);
        await host.AddCustomersAsync(OutboxTestHost.Customers("chunk", 0, 8));
        await Server.WaitForCallsAsync(8, TimeSpan.FromSeconds(20));

        var first = Server.AllRequests.Single(c => c.Get("_p") == busy && c.Attempt == 1);
        var retry = Server.AllRequests.Single(c => c.Get("_p") == busy && c.Attempt == 2);
        Assert.Equal(429, first.StatusCode);
        Assert.True(retry.ReceivedAt - first.ReceivedAt >= TimeSpan.FromMilliseconds(900), $"retried after {(retry.ReceivedAt - first.ReceivedAt).TotalMilliseconds} ms");
        Assert.Equal(9, Server.AllRequests.Count); // the seven others once, the busy one twice
        OutboxCalls.AssertSameCalls(Enumerable.Range(0, 8).Select(i => OutboxCalls.SignedUp($"chunk-{i}")), Server.Calls.Select(OutboxCalls.KeyOf));
    }
}
