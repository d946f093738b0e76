using System.Diagnostics;
using KissEf.Benchmarks.Infrastructure;

namespace KissEf.Benchmarks.Benchmarks;

/// <summary>
/// Measurements around the BenchmarkDotNet runs, with the same setup code (<see cref="SaveBenchmarks"/>):
/// allocations per entity as a slope (two save sizes, so a fixed per-save cost does not count as "per entity"),
/// and time ratios from interleaved pairs (baseline, candidate, baseline, ...), which drift on a shared machine
/// cannot bias the way it can bias two benchmarks run one after the other.
/// </summary>
public static class SaveProbes
{
    /// <summary>Bytes the save of <paramref name="entities"/> entities allocates on this thread (SaveChanges is synchronous).</summary>
    public static long AllocatedBytes(SaveScenario scenario, int entities, int repeats = 4)
    {
        var bench = new SaveBenchmarks { Entities = entities };
        bench.GlobalSetup();
        try
        {
            var best = long.MaxValue;
            for (var i = 0; i < repeats + 2; i++)
            {
                bench.Prepare(scenario);
                var before = GC.GetAllocatedBytesForCurrentThread();
                bench.Save();
                var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                bench.Finish(verify: true);

                // The first saves pay one-time costs (model, compiled delegates, EF's caches): skipped.
                if (i > 1)
                {
                    best = Math.Min(best, allocated);
                }
            }

            return best;
        }
        finally
        {
            bench.GlobalCleanup();
        }
    }

    /// <summary>
    /// Extra bytes <paramref name="candidate"/> allocates over <paramref name="baseline"/> per unit (entity or call):
    /// the slope between saves of 1,000 and 2,000 entities, and the plain difference at 1,000 divided by 1,000 units.
    /// </summary>
    public static (double Slope, double AtThousand) ExtraBytesPer(SaveScenario baseline, SaveScenario candidate, int unitsPerEntity = 1)
    {
        // One pass of each first, so that process-wide first-time costs land on neither side.
        AllocatedBytes(baseline, 100, repeats: 1);
        AllocatedBytes(candidate, 100, repeats: 1);
        var b1 = AllocatedBytes(baseline, 1000);
        var b2 = AllocatedBytes(baseline, 2000);
        var c1 = AllocatedBytes(candidate, 1000);
        var c2 = AllocatedBytes(candidate, 2000);
        var slope = ((c2 - b2) - (c1 - b1)) / (1000.0 * unitsPerEntity);
        return (slope, (c1 - b1) / (1000.0 * unitsPerEntity));
    }

    /// <summary>
    /// Medians over <paramref name="pairs"/> interleaved pairs of candidate/baseline, in wall-clock time and in the
    /// saving thread's CPU time; on a database of <paramref name="postgres"/> when given (scenarios 1-2 only).
    /// </summary>
    public static PairResult InterleavedRatio(SaveScenario baseline, SaveScenario candidate, int pairs, PgServer? postgres = null)
    {
        var bench = new SaveBenchmarks { Postgres = postgres };
        bench.GlobalSetup();
        try
        {
            (double Wall, double Cpu) Time(SaveScenario scenario)
            {
                bench.Prepare(scenario);
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var cpu = ThreadCpuClock.Now();
                var watch = Stopwatch.StartNew();
                bench.Save();
                watch.Stop();
                cpu = ThreadCpuClock.Now() - cpu;
                bench.Finish(verify: true);
                return (watch.Elapsed.TotalMilliseconds, cpu / 1e6);
            }

            // Warm-up: JIT tiers, EF's model and query caches.
            for (var i = 0; i < 5; i++)
            {
                Time(baseline);
                Time(candidate);
            }

            var wall = new List<double>();
            var cpu = new List<double>();
            var baseCpu = new List<double>();
            var candCpu = new List<double>();
            var baseWall = new List<double>();
            var candWall = new List<double>();
            for (var i = 0; i < pairs; i++)
            {
                // Alternate which goes first, so a periodic disturbance does not favour one side.
                (double Wall, double Cpu) b, c;
                if (i % 2 == 0)
                {
                    b = Time(baseline);
                    c = Time(candidate);
                }
                else
                {
                    c = Time(candidate);
                    b = Time(baseline);
                }

                wall.Add(c.Wall / b.Wall);
                cpu.Add(c.Cpu / b.Cpu);
                baseWall.Add(b.Wall);
                candWall.Add(c.Wall);
                baseCpu.Add(b.Cpu);
                candCpu.Add(c.Cpu);
            }

            return new PairResult(Median(wall), Median(cpu), Median(baseWall), Median(candWall), Median(baseCpu), Median(candCpu));
        }
        finally
        {
            bench.GlobalCleanup();
        }
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

/// <summary>Interleaved pairs: median ratios (candidate/baseline) and median times in ms.</summary>
public sealed record PairResult(double WallRatio, double CpuRatio, double BaseWallMs, double CandWallMs, double BaseCpuMs, double CandCpuMs);
