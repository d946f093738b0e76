using System.Diagnostics;
using System.Globalization;
using KissEf.Benchmarks.Infrastructure;
using KissEf.Benchmarks.Model;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KissEf.Benchmarks.Benchmarks;

/// <summary>
/// Issue 18's bench row for tracked bulk operations: <c>ExecuteUpdateTrackedAsync</c> of N customers (every row's plan
/// changed, one <c>OnChanged</c> event each, written to the outbox) against EF's own <c>ExecuteUpdateAsync</c> of the
/// same rows, in interleaved pairs on a SQLite file on tmpfs, by process CPU and wall time; then the peak resident set of
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

            var cpu = new List<double>();
            var wall = new List<double>();
            (double Cpu, double Wall) plain = default, tracked = default;
            for (var pair = -1; pair < pairs; pair++)
            {
                // Alternating which goes first; pair -1 warms both up and is not counted.
                var first = pair % 2 == 0;
                var a = await MeasureAsync(host, db, tracked: first);
                var b = await MeasureAsync(host, db, tracked: !first);
                var (p, t) = first ? (b, a) : (a, b);
                if (pair < 0)
                {
                    continue;
                }

                cpu.Add(t.Cpu / p.Cpu);
                wall.Add(t.Wall / p.Wall);
                plain = (plain.Cpu + p.Cpu, plain.Wall + p.Wall);
                tracked = (tracked.Cpu + t.Cpu, tracked.Wall + t.Wall);
            }

            cpu.Sort();
            wall.Sort();
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"tracked bulk update of {rows:N0} rows vs ExecuteUpdateAsync, {pairs} pairs: process CPU {cpu[cpu.Count / 2]:F2}x (pairs {cpu[0]:F2}-{cpu[^1]:F2}; "
                + $"{tracked.Cpu / pairs:F0} vs {plain.Cpu / pairs:F0} ms), wall {wall[wall.Count / 2]:F2}x ({tracked.Wall / pairs:F0} vs {plain.Wall / pairs:F0} ms)"));
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
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddKissTracking(kiss => kiss
            .UseDryRun()
            .Entity<Customer>(c =>
            {
                c.HasIdentity(x => x.Email);
                c.OnChanged(x => x.Plan).Record("Plan Changed").With("plan", x => x.Plan).WithOriginal("previous plan", x => x.Plan);
            })
            .Configure(o => o.UntrackedBulkOperations = KissBulkOperationPolicy.Ignore));
        builder.Services.AddDbContext<BenchContext>((sp, options) => options.UseSqlite(db.ConnectionString).UseKissTracking(sp));
        var host = builder.Build();
        using var scope = host.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<BenchContext>().Database.EnsureCreated();
        return host;
    }

    /// <summary>One update of every row to a plan none has (so every row changes), after the last one's rows and outbox were reset.</summary>
    private static async Task<(double Cpu, double Wall)> MeasureAsync(IHost host, DbFile db, bool tracked)
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
        await UpdateAsync(host, tracked);
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
