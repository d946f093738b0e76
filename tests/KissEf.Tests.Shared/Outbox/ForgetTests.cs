using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.Outbox;

/// <summary>
/// Issue 20, item 2: <see cref="IKissOutbox.ForgetAsync"/> removes every pending and dead call about a person (her
/// events, and the aliases that name her on either side, whatever the case), while a dispatcher drains the same table,
/// and no call about her reaches the endpoint after it returns. <c>KissEf.FunctionalTests</c> runs them on SQLite files,
/// <c>KissEf.PostgreSql.Tests</c> on the private PostgreSQL server.
/// </summary>
public abstract class ForgetTests : OutboxTestBase
{
    private const string Ann = "ann@forget.test";

    protected abstract Provider Provider { get; }

    [Fact]
    public async Task A_person_is_forgotten_in_a_thousand_rows_while_the_dispatcher_drains_them_and_every_other_call_is_sent_once()
    {
        await using var host = await CreateHostAsync(Provider, maps: Maps);
        await host.EnsureCreatedAsync();
        await WriteRowsAsync(host, saves: 1_000);
        var rows = await OutboxRows.ReadAsync(host);
        var annCalls = rows.Sum(r => Calls(r).Count(IsAnn));
        var otherCalls = rows.Sum(r => Calls(r).Count(l => !IsAnn(l)));
        Assert.Equal((1_000 + 1, 2 + (2 * 1_000), 3 * 1_000), (rows.Count, annCalls, otherCalls));

        await host.StartAsync();
        await Server.WaitForCallsAsync(100, TimeSpan.FromSeconds(60));
        var report = await host.Outbox.ForgetAsync("Ann@Forget.TEST");
        var annSentByThen = Server.AllRequests.Count(IsAnn);
        await host.Dispatcher.FlushAsync();

        // Nothing about her after the return; each of her calls was either sent before it, or removed.
        Assert.Equal(annSentByThen, Server.AllRequests.Count(IsAnn));
        Assert.Equal(annCalls, Server.Calls.Count(IsAnn) + report.PendingCalls);
        Assert.True(report.PendingCalls > 0, "the dispatcher had sent every call before ForgetAsync ran: nothing was forgotten");
        Assert.Equal(0, report.DeadCalls);

        // Everyone else's calls, each once.
        var others = Server.Calls.Where(c => !IsAnn(c)).Select(c => c.Url).ToList();
        Assert.Equal(otherCalls, others.Count);
        Assert.Equal(others.Count, others.Distinct(StringComparer.Ordinal).Count());
        Assert.Empty(await OutboxRows.ReadAsync(host));
    }

    [Fact]
    public async Task A_row_a_dispatcher_holds_is_waited_for_and_then_forgotten()
    {
        await using var host = await CreateHostAsync(Provider, maps: Maps);
        await host.EnsureCreatedAsync();
        await WriteRowsAsync(host, saves: 3);
        var held = (await OutboxRows.ReadAsync(host)).Last(r => Calls(r).Any(IsAnn));

        // Another instance's dispatcher holds the last row of hers: its lease runs for ten more minutes.
        await ExecuteAsync(host, $"UPDATE kiss_outbox SET lease_owner = 'other-instance', lease_expires_at = {DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeMilliseconds()} WHERE id = {held.Id}");
        var forget = host.Outbox.ForgetAsync(Ann);

        // Every row but the held one is done; the held one is left as it is while it is held.
        await OutboxCalls.EventuallyAsync(
            async () => (await OutboxRows.ReadAsync(host)).Where(r => r.Id != held.Id).Sum(r => Calls(r).Count(IsAnn)) == 0,
            TimeSpan.FromSeconds(30),
            async () => $"the rows no one holds were not forgotten: {string.Join("; ", await OutboxRows.ReadAsync(host))}");
        Assert.False(forget.IsCompleted, "ForgetAsync returned while a row of the person was held by a dispatcher");
        Assert.Equal(held.Calls, (await OutboxRows.ReadAsync(host)).Single(r => r.Id == held.Id).Calls);

        // The dispatcher settles it without delivering it (its attempt failed): the lease is given back.
        await ExecuteAsync(host, $"UPDATE kiss_outbox SET lease_owner = NULL, lease_expires_at = 0 WHERE id = {held.Id}");
        var report = await forget;

        var left = await OutboxRows.ReadAsync(host);
        Assert.DoesNotContain(left.SelectMany(r => Calls(r)), IsAnn);
        Assert.Equal(((2 * 3) + 2, 0), (report.PendingCalls, report.DeadCalls));
        Assert.Equal(3 * 3, left.Sum(r => r.CallCount));
        Assert.All(left, r => Assert.Equal(Calls(r).Count(), r.CallCount));
        Assert.All(left, r => Assert.Null(r.LeaseOwner));
    }

    [Fact]
    public async Task Dead_calls_of_the_person_are_removed_and_the_others_stay_dead()
    {
        await using var host = await CreateHostAsync(Provider, o => o.OutboxMaxAttempts = 1, maps: Maps);
        await host.EnsureCreatedAsync();
        await WriteRowsAsync(host, saves: 2);
        Server.AlwaysFail(400);
        await host.StartAsync();
        await host.Dispatcher.FlushAsync();
        var dead = await host.Outbox.GetStateAsync();
        Assert.Equal((0, 2 + (2 * 2) + (3 * 2)), (dead.PendingCalls, dead.DeadCalls));

        var report = await host.Outbox.ForgetAsync(Ann.ToUpperInvariant());

        Assert.Equal((0, 2 + (2 * 2)), (report.PendingCalls, report.DeadCalls));
        var after = await host.Outbox.GetStateAsync();
        Assert.Equal((0, 3 * 2), (after.PendingCalls, after.DeadCalls));
        Assert.DoesNotContain((await OutboxRows.ReadAsync(host)).SelectMany(r => Calls(r)), IsAnn);
        Assert.Equal(new KissForgetReport(0, 0), await host.Outbox.ForgetAsync(Ann));
    }

    /// <summary>
    /// Her sign-up and the alias of her name to her e-mail (she is its second side); then per save: another customer
    /// (sign-up, alias), a pal whose name is her e-mail in another case (the alias names her on its first side; the pal's
    /// sign-up is not hers), and a change of her score (an event of hers). One row per save.
    /// </summary>
    private static async Task WriteRowsAsync(OutboxTestHost host, int saves)
    {
        await host.AddCustomersAsync([new OutboxCustomer { Email = Ann, Name = "Ann Example" }]);
        for (var i = 0; i < saves; i++)
        {
            var save = i;
            await host.WithContextAsync(async db =>
            {
                db.Customers.Add(OutboxTestHost.Customer($"other-{save}"));
                db.Customers.Add(new OutboxCustomer { Email = $"pal-{save}@forget.test", Name = save % 2 == 0 ? "ANN@forget.test" : "ann@FORGET.test" });
                var ann = await db.Customers.SingleAsync(c => c.Email == Ann);
                ann.Score = save + 1;
                await db.SaveChangesAsync();
            });
        }
    }

    private static KissTrackingBuilder Maps(KissTrackingBuilder kiss) => kiss.Entity<OutboxCustomer>(c =>
    {
        c.HasIdentity(x => x.Email);
        c.OnAdded().Record(OutboxShop.SignedUp).With("name", x => x.Name);
        c.OnChanged(x => x.Score).Record(OutboxShop.Scored).With("score", x => x.Score);
        c.Alias(x => x.Name, x => x.Email);
    });

    private static bool IsAnn(ReceivedCall call)
        => string.Equals(call.Get("_p"), Ann, StringComparison.OrdinalIgnoreCase)
           || (call.Path == "/a" && string.Equals(call.Get("_n"), Ann, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether an outbox row's call line is about her (read here with the URL's own rules, not KissEf's reader).</summary>
    private static bool IsAnn(string line)
        => IsAnn(ReceivedCall.Parse("GET", "/" + line[..line.IndexOf('?', StringComparison.Ordinal)], line[line.IndexOf('?', StringComparison.Ordinal)..], DateTimeOffset.UnixEpoch, 1));

    /// <summary>The call lines of a row, without its header line (the trace, which starts with '_').</summary>
    private static IEnumerable<string> Calls(OutboxRow row) => row.Lines.Where(l => !l.StartsWith('_'));

    private static Task ExecuteAsync(OutboxTestHost host, string sql) => host.WithContextAsync(db => db.Database.ExecuteSqlRawAsync(sql));
}
