using KissEf.Commands;

namespace KissEf.Tests.Commands;

/// <summary><c>kissef backfill</c>'s final report (docs/operations.md): the totals, each tenant's, then each skipped-by-rule count.</summary>
public sealed class KissBackfillReportTextTests
{
    [Fact]
    public void The_report_of_a_resumed_enqueue_of_every_tenant_names_the_outbox_each_tenant_and_the_skips()
    {
        var skipped = new Dictionary<string, long> { ["/e Welcome: no At(...)"] = 20, ["/e Bought: no At(...)"] = 3 };
        var acme = new KissBackfillReport(12, 12, skipped, true, DateTimeOffset.UnixEpoch);
        var globex = new KissBackfillReport(8, 8, skipped, false, DateTimeOffset.UnixEpoch);
        var report = new KissBackfillReport(20, 20, skipped, true, DateTimeOffset.UnixEpoch)
        {
            Tenants = new Dictionary<string, KissBackfillReport> { ["globex"] = globex, ["acme"] = acme },
        };

        Assert.Equal(
            """
            backfill Customer: done: 20 rows read, 20 calls written to the outbox (resumed)
            backfill Customer: tenant acme: 12 rows read, 12 calls written (resumed)
            backfill Customer: tenant globex: 8 rows read, 8 calls written
            backfill Customer: skipped 3 time(s): /e Bought: no At(...)
            backfill Customer: skipped 20 time(s): /e Welcome: no At(...)

            """.ReplaceLineEndings("\n"),
            KissBackfillCommand.Report("Customer", report, null));
    }

    [Fact]
    public void The_report_of_an_export_names_the_file()
        => Assert.Equal(
            "backfill Order: done: 3 rows read, 3 calls written to out.jsonl\n",
            KissBackfillCommand.Report("Order", new KissBackfillReport(3, 3, new Dictionary<string, long>(), false, DateTimeOffset.UnixEpoch), "out.jsonl"));
}
