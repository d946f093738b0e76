using System.Data.Common;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KissEf.Tests.Outbox;

/// <summary>
/// Issue 21 on PostgreSQL: a save EF runs as one INSERT outside any transaction carries its outbox rows in that command
/// (one round trip, PostgreSQL's implicit transaction), once the outbox table of the database has taken rows; the change
/// and its calls still commit together or not at all, and the commit still wakes this instance and the others.
/// </summary>
public sealed class OutboxInCommandTests : OutboxTestBase
{
    private readonly TransactionCounter _transactions = new();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_single_insert_after_the_first_commits_its_call_in_EFs_own_command_without_a_transaction(bool async)
    {
        await using var host = await HostAsync();
        var created = _transactions.Started;
        await SaveAsync(host, "first", async);
        Assert.Equal(created + 1, _transactions.Started);

        await SaveAsync(host, "second", async);

        // Like the same save without KissEf: no transaction (the first save's was KissEf's, which checked the table).
        Assert.Equal(created + 1, _transactions.Started);
        var rows = await OutboxRows.ReadAsync(host);
        Assert.Equal(2, rows.Count);
        Assert.Contains(rows, r => r.Calls.Contains(Uri.EscapeDataString(OutboxTestHost.EmailOf("second")), StringComparison.Ordinal));
        Assert.Equal(2, await OutboxRows.CountCustomersAsync(host));
    }

    [Fact]
    public async Task An_outbox_insert_the_database_refuses_in_EFs_command_fails_the_save_and_commits_neither()
    {
        await using var host = await HostAsync();
        await SaveAsync(host, "first", async: true);
        await host.WithContextAsync(db => db.Database.ExecuteSqlRawAsync(
            $"ALTER TABLE {OutboxRows.Table} ADD CONSTRAINT refuse_rows CHECK (call_count < 0) NOT VALID"));
        var before = _transactions.Started;

        var failure = await Assert.ThrowsAsync<DbUpdateException>(() => SaveAsync(host, "refused", async: true));

        Assert.Contains("refuse_rows", failure.InnerException?.Message ?? string.Empty, StringComparison.Ordinal);
        Assert.Equal(before, _transactions.Started);
        Assert.Equal(1, await OutboxRows.CountCustomersAsync(host));
        Assert.Single(await OutboxRows.ReadAsync(host));
    }

    [Fact]
    public async Task A_call_written_in_EFs_command_wakes_this_instance_and_one_listening_elsewhere()
    {
        var slow = (Action<KissTrackingOptions>)(o => o.PollInterval = TimeSpan.FromMinutes(5));
        await using var host = await HostAsync(slow);
        await using var other = await CreateHostAsync(Provider.Postgres, slow);
        await host.StartAsync();
        await other.StartAsync();
        await SaveAsync(host, "first", async: true);
        await Server.WaitForCallsAsync(1, TimeSpan.FromSeconds(30));

        // The poll is 5 minutes away: only a wake delivers these. The saving instance's own, then a commit of another
        // instance whose dispatcher does not run (so that only the NOTIFY in its command reaches this one's).
        await SaveAsync(host, "second", async: true);
        await Server.WaitForCallsAsync(2, TimeSpan.FromSeconds(30));
        await using (var writer = await CreateHostAsync(Provider.Postgres, slow))
        {
            await SaveAsync(writer, "third", async: true);
            await SaveAsync(writer, "fourth", async: true);
        }

        await Server.WaitForCallsAsync(4, TimeSpan.FromSeconds(30));
        OutboxCalls.AssertSameCalls(
            new[] { "first", "second", "third", "fourth" }.Select(k => OutboxCalls.SignedUp(k)),
            Server.Calls.Select(OutboxCalls.KeyOf));
    }

    [Fact]
    public async Task A_map_that_reads_the_key_the_database_makes_saves_in_a_transaction_and_sends_the_key_as_saved()
    {
        await using var host = await HostAsync(maps: k => k.MapCustomersForBackfill());
        var created = _transactions.Started;
        await SaveAsync(host, "first", async: true);
        await SaveAsync(host, "second", async: true);

        Assert.Equal(created + 2, _transactions.Started);
        var ids = await host.WithContextAsync(db => db.Customers.OrderBy(c => c.Id).Select(c => c.Id).ToListAsync());
        var times = (await OutboxRows.ReadAsync(host)).SelectMany(r => r.Lines)
            .Select(l => System.Web.HttpUtility.ParseQueryString(l[(l.IndexOf('?', StringComparison.Ordinal) + 1)..])["_t"]);
        Assert.Equal(ids.Select(id => OutboxShop.ImportEpoch.AddSeconds(id).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)), times.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_update_and_a_save_whose_application_chose_its_transaction_behaviour_still_run_in_a_transaction()
    {
        await using var host = await HostAsync();
        await SaveAsync(host, "first", async: true);
        var before = _transactions.Started;

        // An UPDATE that found no row would have committed the calls of a change that did not happen.
        await host.WithContextAsync(async db =>
        {
            (await db.Customers.SingleAsync()).Score = 7;
            await db.SaveChangesAsync();
        });
        Assert.Equal(before + 1, _transactions.Started);

        await host.WithContextAsync(async db =>
        {
            db.Database.AutoTransactionBehavior = AutoTransactionBehavior.Never;
            db.Customers.Add(OutboxTestHost.Customer("never"));
            await db.SaveChangesAsync();
        });
        Assert.Equal(before + 2, _transactions.Started);
        Assert.Equal(3, (await OutboxRows.ReadAsync(host)).Count);
    }

    private async Task<OutboxTestHost> HostAsync(Action<KissTrackingOptions>? configure = null, Func<KissTrackingBuilder, KissTrackingBuilder>? maps = null)
    {
        var host = await CreateHostAsync(Provider.Postgres, configure, o => o.AddInterceptors(_transactions), maps);
        await host.EnsureCreatedAsync();
        return host;
    }

    private static Task SaveAsync(OutboxTestHost host, string key, bool async)
        => host.WithContextAsync(async db =>
        {
            db.Customers.Add(OutboxTestHost.Customer(key));
            _ = async ? await db.SaveChangesAsync() : db.SaveChanges();
        });

    /// <summary>The application's transaction interceptor: counts the transactions EF starts for its contexts.</summary>
    private sealed class TransactionCounter : DbTransactionInterceptor
    {
        private int _started;

        public int Started => Volatile.Read(ref _started);

        public override DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
        {
            Interlocked.Increment(ref _started);
            return result;
        }

        public override ValueTask<DbTransaction> TransactionStartedAsync(
            DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _started);
            return ValueTask.FromResult(result);
        }
    }
}
