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
    /// ratio KissEf/plain, each side on its own tmpfs database, the hosts built but not started. With
    /// <paramref name="postgres"/>, each side has a database of its own on that server (its data on tmpfs too);
    /// the server's CPU is not the process's, and is given beside it (<see cref="SingleCpuResult.PlainServerUs"/>).
    /// </summary>
    /// <param name="pairs">Interleaved pairs of blocks.</param>
    /// <param name="block">Saves per block.</param>
    /// <param name="candidate">outbox (the row's figure), direct, or profiling aids: offtx (plain EF, every save in a transaction), offfacade (plain EF touching context.Database before the save).</param>
    /// <param name="postgres">The PostgreSQL server to save to, or null for SQLite files.</param>
    public static async Task<SingleCpuResult> CpuAsync(int pairs, int block, string candidate = "outbox", PgServer? postgres = null)
    {
        var folder = BenchPaths.NewTmpfsFolder("single-cpu");
        try
        {
            IBenchDatabase plainDb = postgres is null ? new DbFile(Path.Combine(folder, "plain.db")) : new PgDatabase(postgres.CreateDatabase());
            IBenchDatabase kissDb = postgres is null ? new DbFile(Path.Combine(folder, "kiss.db")) : new PgDatabase(postgres.CreateDatabase());
            BenchServices.CreateDatabase(plainDb);
            BenchServices.CreateDatabase(kissDb);
            await using var plain = new SingleSaveApp(Tracking.Off, plainDb, endpoint: null);
            await using var kiss = candidate switch
            {
                "offtx" => new SingleSaveApp(Tracking.Off, kissDb, endpoint: null, forceTransaction: true),
                "offfacade" => new SingleSaveApp(Tracking.Off, kissDb, endpoint: null, touchFacade: true),
                _ => new SingleSaveApp(Enum.Parse<Tracking>(candidate, ignoreCase: true), kissDb, endpoint: null),
            };

            var plainServerMs = 0.0;
            var kissServerMs = 0.0;
            async Task<double> Block(SingleSaveApp app, bool measured = false)
            {
                var server = measured ? postgres?.CpuMs() ?? 0 : 0;
                var before = ProcessCpuClock.Now();
                for (var i = 0; i < block; i++)
                {
                    await app.SaveOneAsync();
                }

                var cpu = (ProcessCpuClock.Now() - before) / 1e3 / block;
                if (measured && postgres is not null)
                {
                    if (app == plain)
                    {
                        plainServerMs += postgres.CpuMs() - server;
                    }
                    else
                    {
                        kissServerMs += postgres.CpuMs() - server;
                    }
                }

                return cpu;
            }

            // Warm-up: tiered JIT of both paths (with dynamic PGO a single save's code takes thousands of saves to
            // reach its final tier) until a pair of blocks compiles next to nothing, twice in a row.
            WarmUp = await WarmUpAsync(async () =>
            {
                await Block(plain);
                await Block(kiss);
            }, minimum: 25);

            var ratios = new List<double>();
            var plainUs = new List<double>();
            var kissUs = new List<double>();
            for (var i = 0; i < pairs; i++)
            {
                GC.Collect();
                double p, k;
                if (i % 2 == 0)
                {
                    p = await Block(plain, measured: true);
                    k = await Block(kiss, measured: true);
                }
                else
                {
                    k = await Block(kiss, measured: true);
                    p = await Block(plain, measured: true);
                }

                ratios.Add(k / p);
                plainUs.Add(p);
                kissUs.Add(k);
            }

            var calls = kissDb.OutboxCalls();
            var saves = kissDb.Scalar("SELECT COUNT(*) FROM \"Customers\"");
            if (candidate == "outbox" && calls != 2 * saves)
            {
                throw new InvalidOperationException($"KissEf's saves wrote {calls} calls for {saves} customers, not 2 each.");
            }

            var sorted = ratios.Order().ToArray();
            return new SingleCpuResult(
                SaveProbes.Median(ratios), sorted[sorted.Length / 4], sorted[(sorted.Length * 3) / 4],
                SaveProbes.Median(plainUs), SaveProbes.Median(kissUs), pairs, block)
            {
                PlainServerUs = postgres is null ? double.NaN : plainServerMs * 1e3 / (pairs * block),
                KissServerUs = postgres is null ? double.NaN : kissServerMs * 1e3 / (pairs * block),
            };
        }
        finally
        {
            BenchPaths.TryDelete(folder);
        }
    }

    /// <summary>How the last warm-up went (passes, seconds, whether the JIT settled).</summary>
    public static string WarmUp { get; private set; } = "";

    /// <summary>
    /// Runs <paramref name="pass"/> at least <paramref name="minimum"/> times, then until it compiles fewer than 10
    /// methods twice in a row (at most 80 passes): tier-1 code arrives in background batches, so a quiet pass early
    /// on does not mean the JIT is done.
    /// </summary>
    private static async Task<string> WarmUpAsync(Func<Task> pass, int minimum)
    {
        var watch = Stopwatch.StartNew();
        var quiet = 0;
        var passes = 0;
        for (; passes < 80 && (passes < minimum || quiet < 2); passes++)
        {
            var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
            await pass();
            quiet = System.Runtime.JitInfo.GetCompiledMethodCount() - jitted < 10 ? quiet + 1 : 0;
        }

        return FormattableString.Invariant($"{passes} pass(es) in {watch.Elapsed.TotalSeconds:F1} s, JIT {(quiet >= 2 ? "settled" : "still compiling")}");
    }

    /// <summary>A steady loop of single saves on tmpfs, for a profiler; prints the process CPU per save every 2,000.</summary>
    public static async Task LoopAsync(Tracking tracking, int saves)
    {
        var folder = BenchPaths.NewTmpfsFolder("single-loop");
        try
        {
            var db = new DbFile(Path.Combine(folder, "loop.db"));
            BenchServices.CreateDatabase(db);
            await using var app = new SingleSaveApp(tracking, db, endpoint: null);
            for (var done = 0; done < saves; done += 2000)
            {
                var before = ProcessCpuClock.Now();
                var thread = ThreadCpuClock.Now();
                var bytes = GC.GetTotalAllocatedBytes(precise: false);
                var gcs = GC.CollectionCount(0);
                var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
                for (var i = 0; i < 2000; i++)
                {
                    app.SaveOneAsync().GetAwaiter().GetResult();
                }

                Console.WriteLine(FormattableString.Invariant($"{tracking}: {(ProcessCpuClock.Now() - before) / 2e6:F1} µs process CPU per save, {(ThreadCpuClock.Now() - thread) / 2e6:F1} µs thread CPU, {(GC.GetTotalAllocatedBytes(precise: false) - bytes) / 2000:N0} B, {GC.CollectionCount(0) - gcs} gen0 GCs; {System.Runtime.JitInfo.GetCompiledMethodCount() - jitted} methods jitted"));
            }
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
    /// <param name="saves">Saves per side.</param>
    /// <param name="block">Saves per alternating block.</param>
    /// <param name="delivery">False: KissEf's dispatcher does not run (its calls stay in the outbox), to see what delivery adds.</param>
    public static async Task<SingleLatencyResult> LatencyAsync(int saves, int block, bool delivery = true)
    {
        var folder = BenchPaths.NewFolder("single-latency");
        await using var endpoint = await TrackingEndpoint.StartAsync();
        try
        {
            var plainDb = new DbFile(Path.Combine(folder, "plain.db"));
            var kissDb = new DbFile(Path.Combine(folder, "kiss.db"));
            BenchServices.CreateDatabase(plainDb);
            BenchServices.CreateDatabase(kissDb);
            var plainPhases = new SavePhases();
            var kissPhases = new SavePhases();
            await using var plain = new SingleSaveApp(Tracking.Off, plainDb, endpoint.Uri, context: o => o.AddInterceptors(plainPhases));
            await using var kiss = new SingleSaveApp(Tracking.Outbox, kissDb, endpoint.Uri, context: o => o.AddInterceptors(kissPhases));
            await plain.StartAsync();
            if (delivery)
            {
                await kiss.StartAsync();
            }

            async Task Block(SingleSaveApp app, List<double>? into, int count)
            {
                for (var i = 0; i < count; i++)
                {
                    var watch = Stopwatch.StartNew();
                    await app.SaveOneAsync();
                    into?.Add(watch.Elapsed.TotalMilliseconds);
                }

                if (delivery || app.Tracking == Tracking.Off)
                {
                    await app.FlushAsync();
                }
            }

            WarmUp = await WarmUpAsync(async () =>
            {
                await Block(plain, null, 200);
                await Block(kiss, null, 200);
            }, minimum: 8);

            plainPhases.Recording = kissPhases.Recording = true;
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
            if (delivery && (delivered != 2 * saves || kissDb.OutboxCalls() != 0))
            {
                throw new InvalidOperationException($"The dispatcher delivered {delivered} calls for {saves} saves (2 each); {kissDb.OutboxCalls()} left.");
            }

            return new SingleLatencyResult(Stats.Of(plainMs), Stats.Of(kissMs), saves)
            {
                Phases = $"plain's {plainPhases.Slowest(0.01)}; KissEf's {kissPhases.Slowest(0.01)}",
            };
        }
        finally
        {
            BenchPaths.TryDelete(folder);
        }
    }
}

/// <summary>Median, quartiles of the per-pair process CPU ratio, and median µs of process CPU per save.</summary>
public sealed record SingleCpuResult(double Ratio, double Q1, double Q3, double PlainUs, double KissUs, int Pairs, int Block)
{
    /// <summary>On PostgreSQL, the server's CPU per save of the plain app's measured blocks (µs, clock-tick resolution); NaN on SQLite.</summary>
    public double PlainServerUs { get; init; } = double.NaN;

    /// <summary>The same for KissEf's app.</summary>
    public double KissServerUs { get; init; } = double.NaN;
}

/// <summary>Latency of the plain app's and KissEf's app's saves.</summary>
public sealed record SingleLatencyResult(Stats Plain, Stats Kiss, int Saves)
{
    /// <summary>Where the slowest saves' time went (<see cref="SavePhases"/>).</summary>
    public string Phases { get; init; } = string.Empty;

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
