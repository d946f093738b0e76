using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Outbox;

/// <summary>
/// Issue 3: a change and its calls commit together or not at all, on SQLite and PostgreSQL. Rows are read with SQL on
/// a connection of their own; the dispatcher is never started here (built hosts only), so what a commit wrote is still
/// in the table.
/// </summary>
public sealed class OutboxAtomicityTests : OutboxTestBase
{
    public static TheoryData<Provider> OnBoth => new(Providers.All);

    public static TheoryData<Provider, bool> OnBothSyncAndAsync
    {
        get
        {
            var data = new TheoryData<Provider, bool>();
            foreach (var provider in Providers.All)
            {
                data.Add(provider, false);
                data.Add(provider, true);
            }

            return data;
        }
    }

    public static TheoryData<Provider, bool, int> OnBothWithExtraInserts
    {
        get
        {
            var data = new TheoryData<Provider, bool, int>();
            foreach (var provider in Providers.All)
            {
                foreach (var extra in new[] { 1, 3 })
                {
                    data.Add(provider, false, extra);
                    data.Add(provider, true, extra);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(OnBothSyncAndAsync))]
    public async Task A_committed_save_writes_one_chunk_row_per_hundred_calls(Provider provider, bool async)
    {
        await using var host = await HostAsync(provider);
        await host.WithContextAsync(async db =>
        {
            db.Customers.AddRange(OutboxTestHost.Customers("c", 0, 250));
            _ = async ? await db.SaveChangesAsync() : db.SaveChanges();
        });

        var rows = await OutboxRows.ReadAsync(host);
        Assert.Equal([100, 100, 50], rows.Select(r => r.CallCount));
        Assert.All(rows, r => Assert.Equal(r.CallCount, r.Lines.Count));
        Assert.All(rows, r => Assert.All(r.Lines, line => Assert.StartsWith("e?_p=", line, StringComparison.Ordinal)));
        Assert.All(rows, r => Assert.Equal((0, (string?)null, 0L, (long?)null), (r.Attempts, r.LeaseOwner, r.LeaseExpiresAt, r.DeadAt)));
        Assert.Equal(
            Enumerable.Range(0, 250).Select(i => Uri.EscapeDataString(OutboxTestHost.EmailOf($"c-{i}"))).Order(StringComparer.Ordinal),
            rows.SelectMany(r => r.Lines).Select(l => l[5..l.IndexOf('&', StringComparison.Ordinal)]).Order(StringComparer.Ordinal));
        OutboxRows.AssertNoApiKey(rows);
        Assert.Empty(Server.AllRequests);

        var state = await host.Outbox.GetStateAsync();
        Assert.Equal((3, 250, 0, 0), (state.PendingRows, state.PendingCalls, state.DeadRows, state.DeadCalls));
        Assert.NotNull(state.OldestPendingAge);
    }

    [Theory]
    [MemberData(nameof(OnBothSyncAndAsync))]
    public async Task A_single_statement_save_writes_its_call_in_the_same_transaction(Provider provider, bool async)
    {
        await using var host = await HostAsync(provider);
        // EF runs a one-statement save with no transaction at all; the outbox must make it open one.
        await host.WithContextAsync(async db =>
        {
            db.Customers.Add(OutboxTestHost.Customer("solo"));
            _ = async ? await db.SaveChangesAsync() : db.SaveChanges();
        });

        var row = Assert.Single(await OutboxRows.ReadAsync(host));
        Assert.Equal(1, row.CallCount);
        Assert.Contains(Uri.EscapeDataString(OutboxTestHost.EmailOf("solo")), row.Calls, StringComparison.Ordinal);
        Assert.Equal(1, await OutboxRows.CountCustomersAsync(host));
    }

    [Theory]
    [MemberData(nameof(OnBoth))]
    public async Task A_user_transaction_writes_rows_for_each_save_and_they_commit_with_it(Provider provider)
    {
        await using var host = await HostAsync(provider);
        await host.WithContextAsync(async db =>
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            db.Customers.AddRange(OutboxTestHost.Customers("u", 0, 120));
            await db.SaveChangesAsync();
            db.Customers.AddRange(OutboxTestHost.Customers("u", 120, 30));
            await db.SaveChangesAsync();

            // Another connection sees no row before the commit.
            Assert.Empty(await OutboxRows.ReadAsync(host));
            await tx.CommitAsync();
        });

        Assert.Equal([100, 20, 30], (await OutboxRows.ReadAsync(host)).Select(r => r.CallCount));
        Assert.Equal(150, await OutboxRows.CountCustomersAsync(host));
    }

    [Theory]
    [MemberData(nameof(OnBothSyncAndAsync))]
    public async Task A_rolled_back_transaction_leaves_no_row(Provider provider, bool async)
    {
        await using var host = await HostAsync(provider);
        await host.WithContextAsync(async db =>
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            db.Customers.AddRange(OutboxTestHost.Customers("r", 0, 150));
            await db.SaveChangesAsync();
            db.Customers.Local.First().Score = 5;
            _ = async ? await db.SaveChangesAsync() : db.SaveChanges();
            if (async)
            {
                await tx.RollbackAsync();
            }
            else
            {
                tx.Rollback();
            }
        });

        Assert.Empty(await OutboxRows.ReadAsync(host));
        Assert.Equal(0, await OutboxRows.CountCustomersAsync(host));

        // The connection and the context type still work, and the next commit writes only its own calls.
        await host.AddCustomersAsync([OutboxTestHost.Customer("after")]);
        var row = Assert.Single(await OutboxRows.ReadAsync(host));
        Assert.Equal(1, row.CallCount);
        Assert.Contains(Uri.EscapeDataString(OutboxTestHost.EmailOf("after")), row.Calls, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(OnBoth))]
    public async Task A_transaction_disposed_without_commit_leaves_no_row(Provider provider)
    {
        await using var host = await HostAsync(provider);
        await host.WithContextAsync(async db =>
        {
            await using (await db.Database.BeginTransactionAsync())
            {
                db.Customers.AddRange(OutboxTestHost.Customers("d", 0, 10));
                await db.SaveChangesAsync();
            }
        });

        Assert.Empty(await OutboxRows.ReadAsync(host));
        Assert.Equal(0, await OutboxRows.CountCustomersAsync(host));
    }

    [Theory]
    [MemberData(nameof(OnBoth))]
    public async Task A_context_disposed_inside_its_transaction_leaves_no_row(Provider provider)
    {
        await using var host = await HostAsync(provider);
        // No using on the transaction: the context (and its connection) go away with it still open.
        using (var scope = host.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OutboxShopContext>();
            var tx = await db.Database.BeginTransactionAsync();
            db.Customers.AddRange(OutboxTestHost.Customers("gone", 0, 3));
            await db.SaveChangesAsync();
            GC.KeepAlive(tx);
        }

        Assert.Empty(await OutboxRows.ReadAsync(host));
        Assert.Equal(0, await OutboxRows.CountCustomersAsync(host));
    }

    [Theory]
    [MemberData(nameof(OnBothWithExtraInserts))]
    public async Task A_failed_save_outside_a_transaction_leaves_no_row(Provider provider, bool async, int extra)
    {
        await using var host = await HostAsync(provider);
        await host.WithContextAsync(async db =>
        {
            // The duplicate e-mail breaks the unique index after the other inserts ran.
            db.Customers.AddRange(OutboxTestHost.Customers("f", 0, extra));
            db.Customers.Add(OutboxTestHost.Customer("f-0"));
            if (async)
            {
                await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
            }
            else
            {
                Assert.Throws<DbUpdateException>(() => db.SaveChanges());
            }
        });

        Assert.Empty(await OutboxRows.ReadAsync(host));
        Assert.Equal(0, await OutboxRows.CountCustomersAsync(host));
    }

    [Theory]
    [MemberData(nameof(OnBoth))]
    public async Task A_failed_save_inside_a_user_transaction_drops_only_its_own_calls(Provider provider)
    {
        await using var host = await HostAsync(provider);
        await host.WithContextAsync(async db =>
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            db.Customers.AddRange(OutboxTestHost.Customers("ok", 0, 3));
            await db.SaveChangesAsync();

            db.Customers.Add(OutboxTestHost.Customer("bad-0"));
            db.Customers.Add(OutboxTestHost.Customer("ok-1"));
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
            foreach (var entry in db.ChangeTracker.Entries().Where(e => e.State == EntityState.Added).ToList())
            {
                entry.State = EntityState.Detached;
            }

            db.Customers.AddRange(OutboxTestHost.Customers("ok", 3, 2));
            await db.SaveChangesAsync();
            await tx.CommitAsync();
        });

        var lines = (await OutboxRows.ReadAsync(host)).SelectMany(r => r.Lines).ToList();
        Assert.Equal(5, lines.Count);
        Assert.DoesNotContain(lines, l => l.Contains("bad-0", StringComparison.Ordinal));
        Assert.Equal(
            Enumerable.Range(0, 5).Select(i => Uri.EscapeDataString(OutboxTestHost.EmailOf($"ok-{i}"))).Order(StringComparer.Ordinal),
            lines.Select(l => l[5..l.IndexOf('&', StringComparison.Ordinal)]).Order(StringComparer.Ordinal));
        Assert.Equal(5, await OutboxRows.CountCustomersAsync(host));
    }

    [Fact]
    public async Task A_chunk_with_a_partial_failure_keeps_only_the_undelivered_calls()
    {
        // Retries a second away, so that one flush makes exactly one attempt (a flush goes on while rows are due).
        await using var host = CreateHost(o => o.RetryBaseDelay = o.MaxRetryDelay = TimeSpan.FromSeconds(1));
        await host.EnsureCreatedAsync();
        await host.AddCustomersAsync(OutboxTestHost.Customers("p", 0, 10));
        var written = Assert.Single(OutboxRows.Read(Database));
        Assert.Equal(10, written.CallCount);
        var bad = OutboxTestHost.EmailOf("p-6");
        var badLine = Assert.Single(written.Lines, l => l.Contains(Uri.EscapeDataString(bad), StringComparison.Ordinal));

        // One call of the chunk fails, the nine others are delivered.
        Server.SetResponder((call, _) => call.Get("_p") == bad ? FakeResponse.Status(500) : null);
        await host.Dispatcher.FlushAsync();

        Assert.Equal(9, Server.Calls.Count);
        var kept = Assert.Single(OutboxRows.Read(Database));
        Assert.Equal(written.Id, kept.Id);
        Assert.Equal(1, kept.CallCount);
        Assert.Equal(badLine, kept.Calls);
        Assert.Equal(1, kept.Attempts);
        Assert.Null(kept.DeadAt);
        Assert.Null(kept.LeaseOwner);
        Assert.Contains("500", kept.LastError, StringComparison.Ordinal);
        OutboxRows.AssertNoApiKey(Database);

        // Once the endpoint recovers, only that call is sent again.
        Server.Recover();
        await OutboxCalls.EventuallyAsync(
            async () =>
            {
                await host.Dispatcher.FlushAsync();
                return OutboxRows.Read(Database).Count == 0;
            },
            TimeSpan.FromSeconds(10),
            () => Task.FromResult(string.Join("; ", OutboxRows.Read(Database))));

        OutboxCalls.AssertSameCalls(
            Enumerable.Range(0, 10).Select(i => OutboxCalls.SignedUp($"p-{i}")),
            Server.Calls.Select(OutboxCalls.KeyOf));
        Assert.Equal(11, Server.AllRequests.Count);
        var attempts = Server.AllRequests.Where(c => c.Get("_p") == bad).ToList();
        Assert.Equal([500, 200], attempts.Select(c => c.StatusCode));
        Assert.Single(attempts.Select(c => c.Get("_t")).Distinct());
    }

    /// <summary>A built host (its dispatcher never started) on a fresh database of <paramref name="provider"/>, schema created.</summary>
    private async Task<OutboxTestHost> HostAsync(Provider provider)
    {
        var host = await CreateHostAsync(provider);
        await host.EnsureCreatedAsync();
        return host;
    }
}
