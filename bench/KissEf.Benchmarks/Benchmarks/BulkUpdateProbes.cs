using System.Diagnostics;
using System.Globalization;
using KissEf.Benchmarks.Infrastructure;
using KissEf.Benchmarks.Model;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KissEf.Benchmarks.Benchmarks;

/// <summary>
/// Issue 18's bench row for tracked bulk operations: <c>ExecuteUpdateTrackedAsync</c> of N customers (every row's plan
/// changed, one <c>OnChanged</c> event each, written to the outbox) against EF's own <c>ExecuteUpdateAsync</c> of the
/// same rows, in interleaved pairs on a SQLite file on tmpfs, by process CPU and wall time; and against loading, changing and saving the same rows (the way to the same calls without it); then the peak resident set of
/// a tracked update of 10N rows against N (the chunks keep memory flat).
/// </summary>
public static class BulkUpdateProbes
{
    public static async Task RunAsync(int rows, int pairs, TextWriter log)
    {
        var folder = BenchPaths.NewTmpfsFolder("bulk");
        try
        {
            var db = new DbFile(Path.Combine(folder, "bulk.db"));
            using var host = Build(db);
            BackfillMemory.Seed(db, rows);
            await host.StartAsync();

            // Triples in rotating order: EF's plain statement, the tracked one, and the way to the same calls without it
            // (every row loaded, changed and saved with SaveChanges). The first triple warms up and is not counted.
            var modes = new[] { Mode.Plain, Mode.Tracked, Mode.Saved };
            var sums = new Dictionary<Mode, (double Cpu, double Wall)>();
            var ratios = new Dictionary<Mode, List<double>> { [Mode.Plain] = [], [Mode.Saved] = [] };
            for (var round = -1; round < pairs; round++)
            {
                var results = new Dictionary<Mode, (double Cpu, double Wall)>();
                for (var i = 0; i < modes.Length; i++)
                {
                    var mode = modes[(i + Math.Max(round, 0)) % modes.Length];
                    results[mode] = await MeasureAsync(host, db, mode);
                }

                if (round < 0)
                {
                    continue;
                }

                foreach (var (mode, result) in results)
                {
                    sums[mode] = (sums.GetValueOrDefault(mode).Cpu + result.Cpu, sums.GetValueOrDefault(mode).Wall + result.Wall);
                }

                ratios[Mode.Plain].Add(results[Mode.Tracked].Cpu / results[Mode.Plain].Cpu);
                ratios[Mode.Saved].Add(results[Mode.Tracked].Cpu / results[Mode.Saved].Cpu);
            }

            foreach (var list in ratios.Values)
            {
                list.Sort();
            }

            var (plain, tracked, saved) = (sums[Mode.Plain], sums[Mode.Tracked], sums[Mode.Saved]);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"tracked bulk update of {rows:N0} rows, {pairs} rounds, process CPU per update: tracked {tracked.Cpu / pairs:F0} ms, ExecuteUpdateAsync {plain.Cpu / pairs:F0} ms, "
                + $"load + change + SaveChanges {saved.Cpu / pairs:F0} ms; tracked/plain {Median(ratios[Mode.Plain]):F2}x (rounds {ratios[Mode.Plain][0]:F2}-{ratios[Mode.Plain][^1]:F2}), "
                + $"tracked/SaveChanges {Median(ratios[Mode.Saved]):F2}x (rounds {ratios[Mode.Saved][0]:F2}-{ratios[Mode.Saved][^1]:F2}); "
                + $"wall {tracked.Wall / pairs:F0} / {plain.Wall / pairs:F0} / {saved.Wall / pairs:F0} ms"));
            await host.StopAsync();
        }
        finally
        {
            BenchPaths.TryDelete(folder);
        }
    }

    /// <summary>The peak resident set of a tracked update of <paramref name="rows"/>, measured from just before it (this process's high-water mark reset).</summary>
    public static async Task<long> PeakAsync(int rows, TextWriter log)
    {
        var folder = BenchPaths.NewTmpfsFolder("bulk-memory");
        try
        {
            var db = new DbFile(Path.Combine(folder, "bulk.db"));
            using var host = Build(db);
            BackfillMemory.Seed(db, rows);
            await host.StartAsync();
            GC.Collect();
            DrainMemory.TryResetPeak();
            var watch = Stopwatch.StartNew();
            var updated = await UpdateAsync(host, tracked: true);
            var peak = DrainMemory.ReadStatus("VmHWM:");
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  tracked update of {updated:N0} rows in {watch.Elapsed.TotalSeconds:F1} s: peak RSS {DrainMemory.Mb(peak)}"));
            await host.StopAsync();
            return peak;
        }
        finally
        {
            BenchPaths.TryDelete(folder);
        }
    }

    private static IHost Build(DbFile db)
        => DryRunHost.Build(db, kiss => kiss
            .Entity<Customer>(c =>
            {
                c.HasIdentity(x => x.Email);
                c.OnChanged(x => x.Plan).Record("Plan Changed").With("plan", x => x.Plan).WithOriginal("previous plan", x => x.Plan);
            })
            .Configure(o => o.UntrackedBulkOperations = KissBulkOperationPolicy.Ignore));

    private enum Mode
    {
        Plain,
        Tracked,
        Saved,
    }

    private static double Median(List<double> sorted) => sorted[sorted.Count / 2];

    /// <summary>One update of every row to a plan none has (so every row changes), after the last one's rows and outbox were reset.</summary>
    private static async Task<(double Cpu, double Wall)> MeasureAsync(IHost host, DbFile db, Mode mode)
    {
        using (var connection = new SqliteConnection(db.ConnectionString))
        {
            connection.Open();
            using var reset = connection.CreateCommand();
            reset.CommandText = "UPDATE Customers SET Plan = 'basic'; DELETE FROM kiss_outbox;";
            reset.ExecuteNonQuery();
        }

        var cpu = ProcessCpuClock.Now();
        var watch = Stopwatch.StartNew();
        if (mode == Mode.Saved)
        {
            using var scope = host.Services.CreateScope();
            var context = scope.ServiceProvider.GetRequiredService<BenchContext>();
            foreach (var customer in await context.Customers.Where(c => c.Plan != "gold").ToListAsync())
            {
                customer.Plan = "gold";
            }

            await context.SaveChangesAsync();
        }
        else
        {
            await UpdateAsync(host, tracked: mode == Mode.Tracked);
        }

        return ((ProcessCpuClock.Now() - cpu) / 1e6, watch.Elapsed.TotalMilliseconds);
    }

    private static async Task<int> UpdateAsync(IHost host, bool tracked)
    {
        using var scope = host.Services.CreateScope();
        var rows = scope.ServiceProvider.GetRequiredService<BenchContext>().Customers.Where(c => c.Plan != "gold");
        return tracked
            ? await rows.ExecuteUpdateTrackedAsync(s => s.SetProperty(c => c.Plan, "gold"))
            : await rows.ExecuteUpdateAsync(s => s.SetProperty(c => c.Plan, "gold"));
    }
}
