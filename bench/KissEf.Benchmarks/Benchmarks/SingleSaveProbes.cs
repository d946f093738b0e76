using System.Diagnostics;
using KissEf.Benchmarks.Infrastructure;

namespace KissEf.Benchmarks.Benchmarks;

/// <summary>
/// Single-entity saves, the common web request, in an app of the same shape on both sides (<see cref="SingleSaveApp"/>:
/// a host, AddDbContext, a scope per save): the process CPU a save costs (database on tmpfs, the dispatcher not
/// running: the save path only), and save latency on a SQLite file on disk while KissEf's dispatcher delivers every
/// commit to a loopback endpoint.
/// </summary>
public static class SingleSaveProbes
{
    /// <summary>
    /// Median over <paramref name="pairs"/> interleaved blocks of <paramref name="block"/> saves of the process CPU
    /// ratio KissEf/plain, each side on its own tmpfs database, the hosts built but not started.
    /// </summary>
    public static async Task<SingleCpuResult> CpuAsync(int pairs, int block)
    {
        var folder = BenchPaths.NewTmpfsFolder("single-cpu");
        try
        {
            var plainDb = new DbFile(Path.Combine(folder, "plain.db"));
            var kissDb = new DbFile(Path.Combine(folder, "kiss.db"));
            BenchServices.CreateDatabase(plainDb);
            BenchServices.CreateDatabase(kissDb);
            await using var plain = new SingleSaveApp(Tracking.Off, plainDb, endpoint: null);
            await using var kiss = new SingleSaveApp(Tracking.Outbox, kissDb, endpoint: null);

            async Task<double> Block(SingleSaveApp app)
            {
                var before = ProcessCpuClock.Now();
                for (var i = 0; i < block; i++)
                {
                    await app.SaveOneAsync();
                }

                return (ProcessCpuClock.Now() - before) / 1e3 / block;
            }

            // Warm-up: tiered JIT of both paths (tier 1 compiles in the background after a quiet delay).
            for (var round = 0; round < 3; round++)
            {
                for (var i = 0; i < 4; i++)
                {
                    await Block(plain);
                    await Block(kiss);
                }

                await Task.Delay(300);
            }

            var ratios = new List<double>();
            var plainUs = new List<double>();
            var kissUs = new List<double>();
            for (var i = 0; i < pairs; i++)
            {
                GC.Collect();
                double p, k;
                if (i % 2 == 0)
                {
                    p = await Block(plain);
                    k = await Block(kiss);
                }
                else
                {
                    k = await Block(kiss);
                    p = await Block(plain);
                }

                ratios.Add(k / p);
                plainUs.Add(p);
                kissUs.Add(k);
            }

            var calls = kissDb.OutboxCalls();
            var saves = kissDb.Scalar("SELECT COUNT(*) FROM Customers");
            if (calls != 2 * saves)
            {
                throw new InvalidOperationException($"KissEf's saves wrote {calls} calls for {saves} customers, not 2 each.");
            }

            var sorted = ratios.Order().ToArray();
            return new SingleCpuResult(
                SaveProbes.Median(ratios), sorted[sorted.Length / 4], sorted[(sorted.Length * 3) / 4],
                SaveProbes.Median(plainUs), SaveProbes.Median(kissUs), pairs, block);
        }
        finally
        {
            BenchPaths.TryDelete(folder);
        }
    }

    /// <summary>
    /// Save latency (wall clock of SaveChangesAsync with its scope), <paramref name="saves"/> on each side in
    /// alternating blocks of <paramref name="block"/>, each side on its own SQLite file on disk (synchronous FULL).
    /// The KissEf app's host runs its dispatcher, which delivers each commit to a Kestrel endpoint on 127.0.0.1 while
    /// the saves go on; it is flushed after its block, so the plain block runs without it.
    /// </summary>
    public static async Task<SingleLatencyResult> LatencyAsync(int saves, int block)
    {
        var folder = BenchPaths.NewFolder("single-latency");
        await using var endpoint = await TrackingEndpoint.StartAsync();
        try
        {
            var plainDb = new DbFile(Path.Combine(folder, "plain.db"));
            var kissDb = new DbFile(Path.Combine(folder, "kiss.db"));
            BenchServices.CreateDatabase(plainDb);
            BenchServices.CreateDatabase(kissDb);
            await using var plain = new SingleSaveApp(Tracking.Off, plainDb, endpoint.Uri);
            await using var kiss = new SingleSaveApp(Tracking.Outbox, kissDb, endpoint.Uri);
            await plain.StartAsync();
            await kiss.StartAsync();

            async Task Block(SingleSaveApp app, List<double>? into, int count)
            {
                for (var i = 0; i < count; i++)
                {
                    var watch = Stopwatch.StartNew();
                    await app.SaveOneAsync();
                    into?.Add(watch.Elapsed.TotalMilliseconds);
                }

                await app.FlushAsync();
            }

            for (var i = 0; i < 3; i++)
            {
                await Block(plain, null, 100);
                await Block(kiss, null, 100);
            }

            var requestsBefore = endpoint.Requests;
            var plainMs = new List<double>();
            var kissMs = new List<double>();
            for (var i = 0; plainMs.Count < saves; i++)
            {
                var count = Math.Min(block, saves - plainMs.Count);
                if (i % 2 == 0)
                {
                    await Block(plain, plainMs, count);
                    await Block(kiss, kissMs, count);
                }
                else
                {
                    await Block(kiss, kissMs, count);
                    await Block(plain, plainMs, count);
                }
            }

            var delivered = endpoint.Requests - requestsBefore;
            if (delivered != 2 * saves || kissDb.OutboxCalls() != 0)
            {
                throw new InvalidOperationException($"The dispatcher delivered {delivered} calls for {saves} saves (2 each); {kissDb.OutboxCalls()} left.");
            }

            return new SingleLatencyResult(Stats.Of(plainMs), Stats.Of(kissMs), saves);
        }
        finally
        {
            BenchPaths.TryDelete(folder);
        }
    }
}

/// <summary>Median, quartiles of the per-pair process CPU ratio, and median µs of process CPU per save.</summary>
public sealed record SingleCpuResult(double Ratio, double Q1, double Q3, double PlainUs, double KissUs, int Pairs, int Block);

/// <summary>Latency of the plain app's and KissEf's app's saves.</summary>
public sealed record SingleLatencyResult(Stats Plain, Stats Kiss, int Saves)
{
    public double P99Ratio => Kiss.P99 / Plain.P99;
}

/// <summary>Percentiles of a latency sample, in ms.</summary>
public sealed record Stats(double P50, double P99, double Max, int Over100Ms)
{
    public static Stats Of(List<double> values)
    {
        var sorted = values.Order().ToArray();
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new Stats(At(0.50), At(0.99), sorted[^1], sorted.Count(v => v >= 100));
    }

    public override string ToString() => FormattableString.Invariant($"p50 {P50:F2} ms, p99 {P99:F2} ms, max {Max:F1} ms, {Over100Ms} save(s) ≥ 100 ms");
}
