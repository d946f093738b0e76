using System.Globalization;
using System.Text;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Backfill;

/// <summary>
/// Backfill (issue 11): existing rows replayed through their maps, as the vendor's JSON import file or through the
/// outbox, with what has no honest time left out and reported, and an enqueue that resumes where it stopped.
/// </summary>
public sealed class BackfillTests
{
    private const int Rows = 3000;
    private static readonly DateTimeOffset Epoch = new(2021, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Export_writes_the_vendors_JSON_import_lines_exactly()
    {
        await using var host = await StartAsync(Delivery.Direct);
        Seed(host, Rows);

        var backfill = host.Services.GetRequiredService<IKissBackfill>();
        using var output = new MemoryStream();
        KissBackfillReport report;
        using (var scope = host.OpenScope())
        {
            report = await backfill.ExportAsync(scope.Db.Customers.OrderBy(c => c.Id), output);
        }

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        // Per row: the dated event, and the alias for the rows with a legacy id (every third); "Welcome" has no time.
        var withAlias = Enumerable.Range(0, Rows).Count(i => i % 3 == 0);
        Assert.Equal(Rows + withAlias, lines.Length);
        Assert.Equal(Rows, report.RowsRead);
        Assert.Equal(lines.Length, report.CallsWritten);
        var skipped = Assert.Single(report.Skipped);
        Assert.Contains("Welcome", skipped.Key, StringComparison.Ordinal);
        Assert.Contains("At(", skipped.Key, StringComparison.Ordinal);
        Assert.Equal(Rows, skipped.Value);

        // The first row: its alias (built first, as in a save), then its event, values as KissEf sends them.
        var t0 = Epoch.ToUnixTimeSeconds();
        Assert.Equal($$"""{"_p":"legacy-0","_p2":"c0+shop@example.com","_t":{{report.Started.ToUnixTimeSeconds()}}}""", lines[0]);
        Assert.Equal($$"""{"_p":"c0+shop@example.com","_n":"Signed Up","plan":"basic","balance":"0.5","_t":{{t0}}}""", lines[1]);
        Assert.Equal($$"""{"_p":"c1+shop@example.com","_n":"Signed Up","plan":"pro","balance":"1.5","_t":{{t0 + 60}}}""", lines[2]);
        Assert.All(lines, line => Assert.DoesNotContain("_d", line, StringComparison.Ordinal));
        Assert.Empty(host.Server.AllRequests);
    }

    [Fact]
    public async Task Enqueue_writes_every_rows_calls_to_the_outbox_and_they_are_delivered_once()
    {
        await using var host = await StartAsync(Delivery.Outbox);
        Seed(host, Rows);
        var progress = new List<KissBackfillProgress>();

        KissBackfillReport report;
        using (var scope = host.OpenScope())
        {
            report = await host.Services.GetRequiredService<IKissBackfill>()
                .EnqueueAsync(scope.Db.Customers, new SyncProgress(progress.Add));
        }

        var calls = await host.FlushedCallsAsync();
        var withAlias = Enumerable.Range(0, Rows).Count(i => i % 3 == 0);
        Assert.Equal(Rows + withAlias, calls.Count);
        Assert.Equal(calls.Count, report.CallsWritten);
        Assert.False(report.Resumed);
        Assert.Equal(Rows, calls.Events("Signed Up").Select(c => c.Get("_p")).Distinct().Count());
        var third = calls.Events("Signed Up").Single(c => c.Get("_p") == "c3+shop@example.com");
        CallAssert.Is(third, "/e", ("_p", "c3+shop@example.com"), ("_n", "Signed Up"), ("plan", "pro"), ("balance", "3.5"));
        Assert.Equal(CallAssert.UnixSeconds(Epoch.AddMinutes(3)), third.Get("_t"));
        Assert.Equal(withAlias, calls.To("/a").Count);

        // A chunk at a time (500 rows), and nothing left behind: no row pending, no checkpoint.
        Assert.Equal(Rows / 500, progress.Count);
        Assert.Equal(0, await OutboxRowsAsync(host));
    }

    [Fact]
    public async Task An_enqueue_that_stopped_resumes_after_its_last_chunk_without_replaying_it()
    {
        await using var host = await StartAsync(Delivery.Outbox);
        Seed(host, Rows);
        var backfill = host.Services.GetRequiredService<IKissBackfill>();

        // The first run stops after its second chunk (as a stop or a crash between chunks would).
        using var stop = new CancellationTokenSource();
        var chunks = 0;
        using (var scope = host.OpenScope())
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => backfill.EnqueueAsync(
                scope.Db.Customers,
                new SyncProgress(_ =>
                {
                    if (++chunks == 2)
                    {
                        stop.Cancel();
                    }
                }),
                stop.Token));
        }

        KissBackfillReport second;
        using (var scope = host.OpenScope())
        {
            second = await backfill.EnqueueAsync(scope.Db.Customers);
        }

        Assert.True(second.Resumed);
        Assert.Equal(Rows - 1000, second.RowsRead);

        var calls = await host.FlushedCallsAsync();
        var events = calls.Events("Signed Up");
        Assert.Equal(Rows, events.Count);
        Assert.Equal(Rows, events.Select(c => c.Get("_p")).Distinct().Count());
        Assert.Equal(0, await OutboxRowsAsync(host));
    }

    [Fact]
    public async Task Enqueue_needs_the_outbox()
    {
        await using var host = await StartAsync(Delivery.Direct);
        using var scope = host.OpenScope();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => host.Services.GetRequiredService<IKissBackfill>().EnqueueAsync(scope.Db.Customers));
        Assert.Contains("ExportAsync", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_entity_without_a_map_is_refused_with_a_message_that_names_it_and_says_to_add_a_map()
    {
        await using var host = await StartAsync(Delivery.Outbox);
        using var scope = host.OpenScope();
        var backfill = host.Services.GetRequiredService<IKissBackfill>();

        var enqueue = await Assert.ThrowsAsync<InvalidOperationException>(() => backfill.EnqueueAsync(scope.Db.Orders));
        using var output = new MemoryStream();
        var export = await Assert.ThrowsAsync<InvalidOperationException>(() => backfill.ExportAsync(scope.Db.Orders, output));

        Assert.Equal(
            "ShopOrder has no KissEf map, so a backfill has no call to replay: add an IKissEntityTypeConfiguration<ShopOrder> (or kiss.Entity<ShopOrder>(...)) in AddKissTracking, then backfill it.",
            enqueue.Message);
        Assert.Equal(enqueue.Message, export.Message);
    }

    private static Task<TestHost> StartAsync(Delivery delivery) => TestHost.StartAsync(
        delivery,
        kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Signed Up").With("plan", x => x.Plan).With("balance", x => x.Balance).At(x => x.SignedUpAt);
            c.OnAdded().Record("Welcome");
            c.Alias(x => x.LegacyId, x => x.Email);
        }),
        o => o.Kiss = k => k.BackfillCallsPerSecond = 1_000_000);

    /// <summary>Rows written before KissEf was there: through a context without it, so nothing is tracked.</summary>
    private static void Seed(TestHost host, int count)
    {
        using var plain = new TestShopContext(new DbContextOptionsBuilder<TestShopContext>().UseSqlite(host.Database.ConnectionString).Options);
        for (var i = 0; i < count; i++)
        {
            plain.Customers.Add(new ShopCustomer
            {
                Email = string.Create(CultureInfo.InvariantCulture, $"c{i}+shop@example.com"),
                LegacyId = i % 3 == 0 ? string.Create(CultureInfo.InvariantCulture, $"legacy-{i}") : null,
                Plan = i % 2 == 0 ? "basic" : "pro",
                Balance = i + 0.5m,
                SignedUpAt = Epoch.AddMinutes(i),
            });
        }

        plain.SaveChanges();
    }

    private static async Task<int> OutboxRowsAsync(TestHost host)
    {
        using var scope = host.OpenScope();
        return await scope.Db.Database.SqlQueryRaw<int>("SELECT COUNT(*) AS \"Value\" FROM kiss_outbox").SingleAsync();
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; posts to the thread pool, too late for an assert).</summary>
    private sealed class SyncProgress(Action<KissBackfillProgress> report) : IProgress<KissBackfillProgress>
    {
        public void Report(KissBackfillProgress value) => report(value);
    }
}
