using KissEf.Internal.Outbox;
using KissEf.Internal.Providers;
using KissEf.Internal.Providers.PostgreSql;
using KissEf.Internal.Providers.Sqlite;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Postgres;

/// <summary>Issue 10: the claim SQL is chosen from the provider; on PostgreSQL a claim skips rows others hold locked.</summary>
public sealed class PostgresClaimTests
{
    [Theory]
    [InlineData("Npgsql.EntityFrameworkCore.PostgreSQL", typeof(KissPostgreSqlOutboxProvider))]
    [InlineData("Microsoft.EntityFrameworkCore.Sqlite", typeof(KissSqliteOutboxProvider))]
    [InlineData("Microsoft.EntityFrameworkCore.SqlServer", typeof(KissPortableOutboxProvider))]
    [InlineData(null, typeof(KissPortableOutboxProvider))]
    public void The_claim_is_chosen_from_the_provider_name(string? provider, Type expected)
        => Assert.IsType(expected, KissOutboxProviders.Named(provider));

    [Fact]
    public async Task A_claim_skips_a_row_another_transaction_holds_locked_instead_of_waiting_for_it()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        var connection = (await SharedPostgres.GetAsync()).CreateDatabase();
        await using var host = OutboxTestHost.Create(connection, server.Endpoint, o => o.ClaimBatchSize = 1);
        await host.EnsureCreatedAsync();
        foreach (var key in new[] { "locked", "free-1", "free-2" })
        {
            await host.AddCustomersAsync([OutboxTestHost.Customer(key)]);
        }

        await host.WithContextAsync(async db =>
        {
            // Another session holds the first row locked (as a claim in flight on another instance would).
            await using var tx = await db.Database.BeginTransactionAsync();
            var locked = await db.Database.SqlQueryRaw<long>("SELECT id AS \"Value\" FROM kiss_outbox ORDER BY id LIMIT 1 FOR UPDATE").ToListAsync();
            Assert.Single(locked);

            // A claim that waited for the lock would not finish before the deadline; SKIP LOCKED takes the others.
            using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            {
                await host.Dispatcher.FlushAsync(deadline.Token);
            }

            Assert.Equal(
                [OutboxTestHost.EmailOf("free-1"), OutboxTestHost.EmailOf("free-2")],
                server.Calls.Select(c => c.Get("_p")).Order(StringComparer.Ordinal));
            await tx.RollbackAsync();
        });

        // Once the lock is gone, the skipped row is claimed like any other.
        await host.Dispatcher.FlushAsync();
        Assert.Contains(server.Calls, c => c.Get("_p") == OutboxTestHost.EmailOf("locked"));
        Assert.Equal(3, server.AllRequests.Count);
    }

    [Fact]
    public async Task A_claim_leases_no_more_rows_than_its_batch_whatever_plan_the_server_picks()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        var connection = (await SharedPostgres.GetAsync()).CreateDatabase();
        await using var host = OutboxTestHost.Create(connection, server.Endpoint);
        await host.EnsureCreatedAsync();
        for (var i = 0; i < 40; i++)
        {
            await host.AddCustomersAsync([OutboxTestHost.Customer($"c{i}")]);
        }

        // A fresh table, without statistics (as every new one until autovacuum analyzes it). As the tenant crash test saw: a subquery with LIMIT and SKIP LOCKED under the UPDATE may be run again per row,
        // each run skipping the rows the last one locked, and one claim of 2 leased all 40 rows.
        var providers = host.Services.GetRequiredService<IKissOutboxProviders>();
        var (claimed, leased) = await host.WithContextAsync(async db =>
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var rows = await KissOutboxStore.ClaimAsync(providers, db, "claim-test", now, now + 60_000, 2, CancellationToken.None);
            var held = await db.Database.SqlQueryRaw<int>("SELECT count(*)::int AS \"Value\" FROM kiss_outbox WHERE lease_owner = 'claim-test'").SingleAsync();
            return (rows.Select(r => r.Id).ToList(), held);
        });

        Assert.Equal(2, claimed.Count);
        Assert.Equal(2, leased);
    }
}

