using System.Diagnostics.Metrics;
using System.Text.Json;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Privacy;

/// <summary>
/// Issue 20, item 1: <c>UseConsent&lt;TConsent&gt;()</c> asks the application, per save, whether each person may be
/// tracked, through a scoped service that reads the acting user of the request's scope. A refused person's calls (an
/// alias when either side is refused) are never written: not to the outbox table, not to the queue of direct delivery,
/// not to a backfill's file, not by a tracked bulk operation. A consent service that throws costs its save's calls,
/// never the save. <c>KissEf.FunctionalTests</c> runs them on SQLite files, <c>KissEf.PostgreSql.Tests</c> on the
/// private PostgreSQL server.
/// </summary>
public abstract class ConsentTests : OutboxTestBase
{
    private const string Admin = "admin@shop.test";
    private const string Clerk = "clerk@shop.test";

    private readonly ConsentStore _store = new();
    private string? _connection;

    protected abstract Provider Provider { get; }

    [Fact]
    public async Task Refused_persons_are_never_written_to_the_outbox_table_and_allowed_ones_are_delivered_once()
    {
        await using var host = await CreateAsync();
        _store.Refused.Add(OutboxTestHost.EmailOf("bob"));

        // Two requests: the admin accepted tracking and adds 100 customers and bob, who refused; the clerk did not accept.
        await SaveAsAsync(host, Admin, accepted: true, db => db.Customers.AddRange([.. OutboxTestHost.Customers("ok", 0, 100), OutboxTestHost.Customer("bob")]));
        await SaveAsAsync(host, Clerk, accepted: false, db => db.Customers.AddRange(OutboxTestHost.Customers("late", 0, 2)));

        // Read with SQL before anything is sent: no line of the table names bob or the clerk.
        var lines = (await OutboxRows.ReadAsync(host)).SelectMany(r => r.Lines).ToList();
        Assert.Equal(100 + 101 + 2, lines.Count);
        Assert.DoesNotContain(lines, l => l.Contains("bob%40outbox.test", StringComparison.Ordinal) || l.Contains("clerk%40shop.test", StringComparison.Ordinal));
        Assert.Equal(103, await host.WithContextAsync(db => db.Customers.CountAsync()));

        await host.Dispatcher.FlushAsync();
        OutboxCalls.AssertSameCalls(
            [
                .. Enumerable.Range(0, 100).Select(i => OutboxCalls.SignedUp($"ok-{i}")),
                .. Enumerable.Range(0, 101).Select(_ => $"/e {Admin} {ConsentShop.AddedBy}"),
                OutboxCalls.SignedUp("late-0"),
                OutboxCalls.SignedUp("late-1"),
            ],
            Server.AllRequests.Select(OutboxCalls.KeyOf));
        Assert.Empty(await OutboxRows.ReadAsync(host));

        // Once per person and save: the admin's 101 calls asked once, bob and the clerk once each.
        Assert.Equal((1, 1, 1, 1), (_store.AskedAbout(Admin), _store.AskedAbout(OutboxTestHost.EmailOf("bob")), _store.AskedAbout(Clerk), _store.AskedAbout(OutboxTestHost.EmailOf("ok-7"))));
    }

    [Fact]
    public async Task An_alias_with_one_refused_side_is_dropped_and_one_with_both_sides_allowed_is_sent()
    {
        await using var host = await CreateAsync();
        await SaveAsAsync(host, Admin, accepted: true, db => db.Customers.AddRange(OutboxTestHost.Customers("ann", 0, 3)));
        await host.Dispatcher.FlushAsync();
        Server.Reset();
        _store.Refused.Add("ann-0-new@outbox.test");
        _store.Refused.Add(OutboxTestHost.EmailOf("ann-1"));

        // ann-0 moves to a refused address, ann-1 (refused) to an allowed one, ann-2 between two allowed ones.
        await SaveAsAsync(host, Admin, accepted: true, async db =>
        {
            var customers = await db.Customers.OrderBy(c => c.Id).ToListAsync();
            customers[0].Email = "ann-0-new@outbox.test";
            customers[1].Email = "ann-1-new@outbox.test";
            customers[2].Email = "ann-2-new@outbox.test";
        });
        await host.Dispatcher.FlushAsync();

        var call = Assert.Single(Server.AllRequests);
        Assert.Equal(("/a", OutboxTestHost.EmailOf("ann-2"), "ann-2-new@outbox.test"), (call.Path, call.Get("_p"), call.Get("_n")));
    }

    [Fact]
    public async Task With_direct_delivery_refused_persons_never_reach_the_queue_nor_the_endpoint()
    {
        await using var host = await CreateAsync(o => o.Delivery = KissDelivery.Direct);
        await host.StartAsync();
        _store.Refused.Add(OutboxTestHost.EmailOf("bob"));

        await SaveAsAsync(host, Admin, accepted: false, db => db.Customers.AddRange(OutboxTestHost.Customer("ann"), OutboxTestHost.Customer("bob")));
        await host.Dispatcher.FlushAsync();

        Assert.Equal([OutboxCalls.SignedUp("ann")], Server.AllRequests.Select(OutboxCalls.KeyOf));
    }

    [Fact]
    public async Task A_consent_service_that_throws_costs_the_saves_calls_warns_naming_the_service_and_the_save_succeeds()
    {
        await using var host = await CreateAsync();
        using var skipped = new SkippedCalls(host.Services);

        // It answers for ann-0, ann-1 and the admin, then throws at ann-2: the calls it allowed go too.
        _store.BreaksAt = OutboxTestHost.EmailOf("ann-2");
        await SaveAsAsync(host, Admin, accepted: true, db => db.Customers.AddRange(OutboxTestHost.Customers("ann", 0, 3)));
        Assert.Equal((1, 1), (_store.AskedAbout(OutboxTestHost.EmailOf("ann-0")), _store.AskedAbout(Admin)));

        Assert.Equal(3, await host.WithContextAsync(db => db.Customers.CountAsync()));
        Assert.Empty(await OutboxRows.ReadAsync(host));
        var warning = Assert.Single(host.Logs.WithEventId(KissEfEventId.ConsentFailed));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(nameof(ShopConsent), warning.Message, StringComparison.Ordinal);
        Assert.Contains("threw InvalidOperationException", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("@shop.test", warning.FullText, StringComparison.Ordinal);
        Assert.DoesNotContain("@outbox.test", warning.FullText, StringComparison.Ordinal);
        Assert.Equal(6, skipped.Count("consent_error"));

        // The service mends: the next save asks again and writes its calls.
        _store.BreaksAt = null;
        await SaveAsAsync(host, Admin, accepted: true, db => db.Customers.Add(OutboxTestHost.Customer("bo")));
        await host.Dispatcher.FlushAsync();
        OutboxCalls.AssertSameCalls([OutboxCalls.SignedUp("bo"), $"/e {Admin} {ConsentShop.AddedBy}"], Server.AllRequests.Select(OutboxCalls.KeyOf));
    }

    [Fact]
    public async Task Refused_calls_are_counted_by_kind_with_reason_consent_and_logged_at_debug_without_the_person()
    {
        await using var host = await CreateAsync();
        using var skipped = new SkippedCalls(host.Services);
        await SaveAsAsync(host, Admin, accepted: true, db => db.Customers.Add(OutboxTestHost.Customer("ann")));
        _store.Refused.Add("ann-new@outbox.test");

        await SaveAsAsync(host, Admin, accepted: true, async db =>
        {
            var ann = await db.Customers.SingleAsync();
            ann.Email = "ann-new@outbox.test";
            ann.Score = 3;
        });

        // The alias (one refused side) and the Scored event of the refused person.
        Assert.Equal("a=1 e=1", skipped.ByKind("consent"));
        var logs = host.Logs.WithEventId(KissEfEventId.ConsentRefused);
        Assert.Equal(2, logs.Count);
        Assert.All(logs, l => Assert.Equal(LogLevel.Debug, l.Level));
        Assert.All(logs, l => Assert.DoesNotContain("ann", l.FullText, StringComparison.Ordinal));
        Assert.Contains(logs, l => l.Message.Contains($"\"{OutboxShop.Scored}\"", StringComparison.Ordinal) && l.Message.Contains(nameof(ShopConsent), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_backfill_export_leaves_refused_persons_out_of_the_file_and_reports_them()
    {
        await using var host = await CreateAsync(backfill: true);
        await SaveAsAsync(host, Admin, accepted: true, db => db.Customers.AddRange(OutboxTestHost.Customers("old", 0, 10)));
        _store.Refused.Add(OutboxTestHost.EmailOf("old-3"));
        _store.Refused.Add(OutboxTestHost.EmailOf("old-8"));

        using var file = new MemoryStream();
        var report = await host.WithContextAsync(db => host.Services.GetRequiredService<IKissBackfill>().ExportAsync(db.Customers, file));

        var persons = System.Text.Encoding.UTF8.GetString(file.ToArray())
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("_p").GetString())
            .ToList();
        Assert.Equal(8, persons.Count);
        Assert.DoesNotContain(OutboxTestHost.EmailOf("old-3"), persons);
        Assert.DoesNotContain(OutboxTestHost.EmailOf("old-8"), persons);
        Assert.Equal(8, report.CallsWritten);
        Assert.Equal(2, report.Skipped.Where(s => s.Key.Contains("refused its person", StringComparison.Ordinal)).Sum(s => s.Value));
    }

    [Fact]
    public async Task A_backfill_enqueue_writes_no_call_of_a_refused_person_and_a_failing_service_costs_the_chunk()
    {
        await using var host = await CreateAsync(backfill: true);
        await SaveAsAsync(host, Admin, accepted: true, db => db.Customers.AddRange(OutboxTestHost.Customers("old", 0, 10)));
        await host.Dispatcher.FlushAsync();
        Server.Reset();
        _store.Refused.Add(OutboxTestHost.EmailOf("old-5"));
        var backfill = host.Services.GetRequiredService<IKissBackfill>();

        var report = await host.WithContextAsync(db => backfill.EnqueueAsync(db.Customers));
        var lines = (await OutboxRows.ReadAsync(host)).SelectMany(r => r.Lines).ToList();
        Assert.Equal((9, 9), (report.CallsWritten, lines.Count));
        Assert.DoesNotContain(lines, l => l.Contains("old-5%40", StringComparison.Ordinal));
        await host.Dispatcher.FlushAsync();
        Server.Reset();

        // The store breaks: the chunk's calls are all left out, counted in the report, and the backfill completes.
        _store.Broken = true;
        report = await host.WithContextAsync(db => backfill.EnqueueAsync(db.Customers.Where(c => c.Id > 0)));
        Assert.Equal(0, report.CallsWritten);
        Assert.Empty(await OutboxRows.ReadAsync(host));
        Assert.Equal(10, report.Skipped.Where(s => s.Key.Contains($"the consent service {nameof(ShopConsent)} gave no answer (it threw InvalidOperationException)", StringComparison.Ordinal)).Sum(s => s.Value));
    }

    [Fact]
    public async Task A_tracked_bulk_update_writes_no_call_of_a_refused_person()
    {
        await using var host = await CreateAsync();
        await SaveAsAsync(host, Admin, accepted: true, db => db.Customers.AddRange(OutboxTestHost.Customers("bulk", 0, 20)));
        await host.Dispatcher.FlushAsync();
        Server.Reset();
        _store.Refused.Add(OutboxTestHost.EmailOf("bulk-4"));

        Assert.Equal(20, await host.WithContextAsync(db => db.Customers.ExecuteUpdateTrackedAsync(s => s.SetProperty(c => c.Score, 9))));
        var lines = (await OutboxRows.ReadAsync(host)).SelectMany(r => r.Lines).ToList();
        Assert.Equal(19, lines.Count);
        Assert.DoesNotContain(lines, l => l.Contains("bulk-4%40", StringComparison.Ordinal));

        await host.Dispatcher.FlushAsync();
        OutboxCalls.AssertSameCalls(
            Enumerable.Range(0, 20).Where(i => i != 4).Select(i => OutboxCalls.Scored(OutboxTestHost.EmailOf($"bulk-{i}"), 9)),
            Server.AllRequests.Select(OutboxCalls.KeyOf));
    }

    /// <summary>A host on this test's database whose customers' map asks <see cref="ShopConsent"/>, its tables created.</summary>
    private async Task<OutboxTestHost> CreateAsync(Action<KissTrackingOptions>? configure = null, bool backfill = false)
    {
        _connection ??= await Providers.CreateDatabaseAsync(Provider, Database);
        var host = OutboxTestHost.Create(_connection, Server.Endpoint, configure, ConsentShop.Map(_store, backfill));
        await host.EnsureCreatedAsync();
        return host;
    }

    /// <summary>One request of <paramref name="user"/>: a scope whose acting user it is, a change, a save.</summary>
    private static async Task SaveAsAsync(OutboxTestHost host, string user, bool accepted, Func<OutboxShopContext, Task> change)
    {
        using var scope = host.Services.CreateScope();
        var current = scope.ServiceProvider.GetRequiredService<CurrentUser>();
        (current.Email, current.AcceptedTracking) = (user, accepted);
        var db = scope.ServiceProvider.GetRequiredService<OutboxShopContext>();
        await change(db);
        await db.SaveChangesAsync();
    }

    private static Task SaveAsAsync(OutboxTestHost host, string user, bool accepted, Action<OutboxShopContext> change)
        => SaveAsAsync(host, user, accepted, db =>
        {
            change(db);
            return Task.CompletedTask;
        });

    /// <summary>The <c>kissef.calls.skipped</c> counter of one host (its own meter factory: parallel tests do not mix).</summary>
    private sealed class SkippedCalls : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string Kind, string Reason, long Value)> _measurements = [];

        public SkippedCalls(IServiceProvider services)
        {
            var meters = services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "kissef.calls.skipped" && ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                string? kind = null, reason = null;
                foreach (var tag in tags)
                {
                    (kind, reason) = tag.Key switch
                    {
                        "kind" => ((string?)tag.Value, reason),
                        "reason" => (kind, (string?)tag.Value),
                        _ => (kind, reason),
                    };
                }

                lock (_measurements)
                {
                    _measurements.Add((kind!, reason!, value));
                }
            });
            _listener.Start();
        }

        public long Count(string reason)
        {
            lock (_measurements)
            {
                return _measurements.Where(m => m.Reason == reason).Sum(m => m.Value);
            }
        }

        /// <summary>E.g. <c>a=1 e=2</c>: the sum per kind for <paramref name="reason"/>, kinds in order.</summary>
        public string ByKind(string reason)
        {
            lock (_measurements)
            {
                return string.Join(' ', _measurements.Where(m => m.Reason == reason).GroupBy(m => m.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}={g.Sum(m => m.Value)}"));
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
