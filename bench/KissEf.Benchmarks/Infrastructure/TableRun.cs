using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using KissEf.Benchmarks.Benchmarks;

namespace KissEf.Benchmarks.Infrastructure;

/// <summary>
/// The run behind the README's table (issue 4): the BenchmarkDotNet classes with the jobs above, then the probes
/// with clocks of their own (interleaved pairs, memory, single saves, end to end, PostgreSQL), then the table.
/// Every figure is a ratio against a baseline measured in the same run.
/// </summary>
public static class TableRun
{
    public static async Task<int> RunAsync(bool quick, IReadOnlySet<string>? only)
    {
        DrainBenchmarks.WarmUpPasses = quick ? 8 : 30;
        bool Runs(string part) => only?.Contains(part) ?? true;

        BenchPaths.RemoveStaleRuns();
        var total = Stopwatch.StartNew();
        var mode = quick ? "quick" : "full";
        var machine = MachineInfo.Describe();
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"KissEf benchmarks ({mode}) on {machine}; SQLite synchronous={BenchServices.Synchronous}");

        static BenchmarkReport? Report(Summary? summary, string method, string job)
            => summary?.Reports.SingleOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method && r.BenchmarkCase.Job.Id == job);

        static double Median(Summary? summary, string method, string job)
            => Report(summary, method, job)?.ResultStatistics?.Median ?? double.NaN;

        static long Allocated(Summary? summary, string method, string job)
            => Report(summary, method, job) is { } report ? report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? -1 : -1;

        string Ms(double ns) => (ns / 1_000_000).ToString("F1", inv) + " ms";
        string X(double ratio) => double.IsNaN(ratio) ? "n/a" : ratio.ToString("F3", inv) + "×";

        var phases = new List<string>();
        void Phase(string name, Stopwatch watch) => phases.Add(FormattableString.Invariant($"{name} {watch.Elapsed.TotalSeconds:F0} s"));
        var phase = Stopwatch.StartNew();

        Summary? save = null;
        if (Runs("save"))
        {
            save = BenchmarkRunner.Run<SaveBenchmarks>(quick
                ? BenchConfig.Config(BenchConfig.SaveJob("cpu", 3, 12).WithClock(ThreadCpuClock.Instance))
                : BenchConfig.Config(BenchConfig.SaveJob("cpu", 5, 40).WithClock(ThreadCpuClock.Instance), BenchConfig.SaveJob("wall", 5, 40)));
        }

        Phase("saves (BenchmarkDotNet)", phase);
        phase.Restart();
        Summary? drain = null;
        if (Runs("drain"))
        {
            drain = BenchmarkRunner.Run<DrainBenchmarks>(BenchConfig.Config(quick ? BenchConfig.SaveJob("wall", 1, 3) : BenchConfig.SaveJob("wall", 2, 12)));
        }

        Phase("drain (BenchmarkDotNet)", phase);
        phase.Restart();
        (double Slope, double AtThousand)? unmappedAlloc = null;
        (double Slope, double AtThousand)? callAlloc = null;
        if (Runs("alloc"))
        {
            Console.WriteLine("// Allocation probes: saves of 1,000 and 2,000 entities, GC.GetAllocatedBytesForCurrentThread around SaveChanges");
            unmappedAlloc = SaveProbes.ExtraBytesPer(SaveScenario.UnmappedOff, SaveScenario.UnmappedOn);
            callAlloc = SaveProbes.ExtraBytesPer(SaveScenario.VisitorOff, SaveScenario.VisitorDirect);
            var mixed = SaveProbes.ExtraBytesPer(SaveScenario.MappedOff, SaveScenario.MappedDirect, unitsPerEntity: 2);
            var outbox = SaveProbes.ExtraBytesPer(SaveScenario.MappedOff, SaveScenario.MappedOutbox, unitsPerEntity: 2);
            var modified = SaveProbes.ExtraBytesPer(SaveScenario.ModifiedOff, SaveScenario.ModifiedOutbox);
            Console.WriteLine(FormattableString.Invariant($"  unmapped entity, tracking on: {unmappedAlloc.Value.Slope:F1} B/entity (slope), {unmappedAlloc.Value.AtThousand:F1} B/entity (difference at 1,000 / 1,000)"));
            Console.WriteLine(FormattableString.Invariant($"  event with 2 properties, direct: {callAlloc.Value.Slope:F0} B/call (slope), {callAlloc.Value.AtThousand:F0} B/call (difference at 1,000 / 1,000)"));
            Console.WriteLine(FormattableString.Invariant($"  Customer (event + set), direct: {mixed.Slope:F0} B/call; outbox: {outbox.Slope:F0} B/call (slope)"));
            Console.WriteLine(FormattableString.Invariant($"  modified Customer, 10% firing, outbox: {modified.Slope:F0} B/entity (slope)"));
        }

        Phase("allocation probes", phase);
        phase.Restart();
        var pairs = new Dictionary<SaveScenario, PairResult>();
        DrainPairResult? drainPairs = null;
        if (Runs("pairs"))
        {
            var count = quick ? 20 : 100;
            Console.WriteLine($"// Interleaved pairs ({count} per comparison; median of candidate/baseline, saving thread's CPU and wall clock)");
            foreach (var (baseline, candidate) in new[]
                     {
                         (SaveScenario.MappedOff, SaveScenario.MappedOutbox),
                         (SaveScenario.MappedOff, SaveScenario.MappedDirect),
                         (SaveScenario.UnmappedOff, SaveScenario.UnmappedOn),
                         (SaveScenario.ModifiedOff, SaveScenario.ModifiedOutbox),
                         (SaveScenario.VisitorOff, SaveScenario.VisitorDirect),
                     })
            {
                var p = pairs[candidate] = SaveProbes.InterleavedRatio(baseline, candidate, count);
                Console.WriteLine(FormattableString.Invariant($"  {candidate} vs {baseline}: CPU {p.CpuRatio:F3}× ({p.CandCpuMs:F1} vs {p.BaseCpuMs:F1} ms), wall {p.WallRatio:F3}× ({p.CandWallMs:F1} vs {p.BaseWallMs:F1} ms)"));
            }

            var drains = quick ? 4 : 12;
            Console.WriteLine($"// Interleaved drains ({drains} pairs; median throughput ratio, process CPU ratio)");
            drainPairs = DrainProbes.Interleaved(drains);
            Console.WriteLine(FormattableString.Invariant($"  KissEf vs plain: throughput {drainPairs.ThroughputRatio:F3}× ({drainPairs.KissWallMs:F0} vs {drainPairs.PlainWallMs:F0} ms), process CPU {drainPairs.CpuRatio:F3}× ({drainPairs.KissCpuMs:F0} vs {drainPairs.PlainCpuMs:F0} ms)"));
        }

        Phase("interleaved pairs", phase);
        phase.Restart();
        IReadOnlyList<DrainMemoryResult>? memory = null;
        if (Runs("memory"))
        {
            Console.WriteLine("// Dispatcher memory: draining 10,000 and 100,000 calls, each in a child process");
            memory = await DrainMemory.RunAsync([10_000, 100_000], quick ? 1 : 2, Console.Out);
        }

        Phase("memory", phase);
        phase.Restart();
        SingleCpuResult? singleCpu = null;
        SingleLatencyResult? singleLatency = null;
        if (Runs("single"))
        {
            var cpuPairs = quick ? 10 : 30;
            Console.WriteLine($"// Single-entity saves, app of the same shape (host, AddDbContext, scope per save): process CPU, {cpuPairs} interleaved pairs of 200 saves on tmpfs");
            singleCpu = await SingleSaveProbes.CpuAsync(cpuPairs, 200);
            Console.WriteLine(FormattableString.Invariant($"  KissEf (outbox) vs plain: process CPU {singleCpu.Ratio:F3}× (quartiles {singleCpu.Q1:F2}-{singleCpu.Q3:F2}; {singleCpu.KissUs:F0} vs {singleCpu.PlainUs:F0} µs per save); warm-up {SingleSaveProbes.WarmUp}"));
            var saves = quick ? 1000 : 4000;
            Console.WriteLine($"// Single-entity saves on a SQLite file on disk while the dispatcher delivers: latency of {saves} saves per side, alternating blocks of 100");
            singleLatency = await SingleSaveProbes.LatencyAsync(saves, 100);
            Console.WriteLine($"  plain: {singleLatency.Plain}; KissEf: {singleLatency.Kiss}; p99 ratio {X(singleLatency.P99Ratio)}");
        }

        Phase("single saves", phase);
        phase.Restart();
        EndToEndResult? endToEnd = null;
        if (Runs("e2e"))
        {
            var e2ePairs = quick ? 6 : 20;
            Console.WriteLine($"// End to end: a save of 1,000 tracked inserts + FlushAsync vs the same save untracked + an HttpClient loop (4 at a time), {e2ePairs} interleaved pairs, process CPU, tmpfs");
            endToEnd = await EndToEndProbes.InterleavedAsync(e2ePairs);
            Console.WriteLine(FormattableString.Invariant($"  KissEf vs plain: process CPU {endToEnd.CpuRatio:F3}× (quartiles {endToEnd.Q1:F2}-{endToEnd.Q3:F2}; {endToEnd.KissCpuMs:F0} vs {endToEnd.PlainCpuMs:F0} ms), wall {endToEnd.WallRatio:F3}×; warm-up {endToEnd.WarmUp}"));
        }

        Phase("end to end", phase);
        phase.Restart();
        NavigationLoadResult? navigationLoad = null;
        if (Runs("navload"))
        {
            var rounds = quick ? 20 : 100;
            Console.WriteLine($"// A navigation not loaded (issue 18): SaveChanges of {NavigationLoadProbes.Orders:N0} modified orders of {NavigationLoadProbes.Buyers} buyers, identity o.Buyer.IdentityGuid, outbox; buyers not loaded, loaded, and plain EF, {rounds} interleaved rounds, saving thread's CPU");
            navigationLoad = NavigationLoadProbes.Interleaved(rounds);
            var n = navigationLoad;
            Console.WriteLine(FormattableString.Invariant($"  not loaded vs loaded: CPU {n.CpuVersusLoaded:F3}×, wall {n.WallVersusLoaded:F3}×; not loaded vs plain EF: CPU {n.CpuVersusPlain:F3}× ({n.NotLoadedMs:F1} / {n.LoadedMs:F1} / {n.PlainMs:F1} ms)"));
        }

        Phase("navigation load", phase);
        phase.Restart();

        // PostgreSQL (issue 10): rows 1, 2 and 8 again, on a private server (data on tmpfs, fsync=off) that this run starts
        // and stops. Same methods: interleaved pairs of the saving thread's CPU, and of process CPU for single saves.
        var pgPairs = new Dictionary<SaveScenario, PairResult>();
        SingleCpuResult? pgSingle = null;
        if (Runs("pg"))
        {
            if (PgServer.FindBinaries() is null)
            {
                Console.WriteLine("// PostgreSQL rows skipped: no server binaries (/usr/lib/postgresql/*/bin; Debian's postgresql package, which .ci/run installs)");
            }
            else
            {
                using var pg = PgServer.Start();
                var count = quick ? 20 : 100;
                Console.WriteLine($"// PostgreSQL {pg.Version()} (private server, data on tmpfs, fsync=off): interleaved pairs ({count} per comparison; median of candidate/baseline, saving thread's CPU and wall clock)");
                foreach (var candidate in new[] { SaveScenario.MappedOutbox, SaveScenario.MappedDirect })
                {
                    var p = pgPairs[candidate] = SaveProbes.InterleavedRatio(SaveScenario.MappedOff, candidate, count, pg);
                    Console.WriteLine(FormattableString.Invariant($"  {candidate} vs {SaveScenario.MappedOff}: CPU {p.CpuRatio:F3}× ({p.CandCpuMs:F1} vs {p.BaseCpuMs:F1} ms), wall {p.WallRatio:F3}× ({p.CandWallMs:F1} vs {p.BaseWallMs:F1} ms)"));
                }

                var cpuPairs = quick ? 10 : 30;
                Console.WriteLine($"// PostgreSQL single-entity saves, same app shape: process CPU, {cpuPairs} interleaved pairs of 200 saves, a database per side");
                pgSingle = await SingleSaveProbes.CpuAsync(cpuPairs, 200, postgres: pg);
                Console.WriteLine(FormattableString.Invariant($"  KissEf (outbox) vs plain: process CPU {pgSingle.Ratio:F3}× (quartiles {pgSingle.Q1:F2}-{pgSingle.Q3:F2}; {pgSingle.KissUs:F0} vs {pgSingle.PlainUs:F0} µs per save); server CPU {pgSingle.KissServerUs:F0} vs {pgSingle.PlainServerUs:F0} µs per save; warm-up {SingleSaveProbes.WarmUp}"));
            }
        }

        Phase("postgresql", phase);

        // Issue 17: FlushAsync draining the same calls from 100 tenant databases and from one, on SQLite files (tmpfs)
        // and on databases of a private PostgreSQL server (started here with room for the tenants' pooled connections).
        phase.Restart();
        var tenantPairs = quick ? 4 : 10;
        TenantDrainResult? tenantDrain = null;
        TenantDrainResult? pgTenantDrain = null;
        if (Runs("tenants"))
        {
            Console.WriteLine($"// Tenant databases: FlushAsync of {TenantDrainProbes.DefaultCalls:N0} calls from {TenantDrainProbes.DefaultTenants} SQLite files vs one, {tenantPairs} interleaved pairs; load average {MachineInfo.LoadAverage}");
            // Pools kept warm (outboxes put back with SQL, not by copying files), as in a dispatcher that has been running.
            tenantDrain = await TenantDrainProbes.InterleavedAsync(tenantPairs, TenantDrainProbes.DefaultCalls, TenantDrainProbes.DefaultTenants, postgres: null, warm: true);
            Console.WriteLine("  " + tenantDrain);
        }

        if (Runs("pgtenants") && PgServer.FindBinaries() is not null)
        {
            using var pg = PgServer.Start(TenantDrainProbes.MaxConnections(TenantDrainProbes.DefaultTenants));
            Console.WriteLine($"// Tenant databases on PostgreSQL: FlushAsync of {TenantDrainProbes.DefaultCalls:N0} calls from {TenantDrainProbes.DefaultTenants} databases vs one, {tenantPairs} interleaved pairs; load average {MachineInfo.LoadAverage}");
            pgTenantDrain = await TenantDrainProbes.InterleavedAsync(tenantPairs, TenantDrainProbes.DefaultCalls, TenantDrainProbes.DefaultTenants, pg);
            Console.WriteLine("  " + pgTenantDrain);
        }

        Phase("tenants", phase);

        // The closing table: the interleaved figure is judged when there is one (it resists a busy machine), and
        // BenchmarkDotNet's ratio of medians is shown beside it.
        var table = new ResultTable();
        if (save is not null || pairs.Count > 0)
        {
            void SaveRow(string id, string name, string method, string baselineMethod, double target, SaveScenario scenario)
            {
                var bdn = Median(save, method, "cpu") / Median(save, baselineMethod, "cpu");
                var notes = new List<string>();
                double primary;
                if (pairs.TryGetValue(scenario, out var p))
                {
                    primary = p.CpuRatio;
                    notes.Add(FormattableString.Invariant($"pairs: CPU {p.CandCpuMs:F1} vs {p.BaseCpuMs:F1} ms, wall {X(p.WallRatio)}"));
                }
                else
                {
                    primary = bdn;
                }

                if (save is not null)
                {
                    notes.Add($"BDN CPU medians {Ms(Median(save, method, "cpu"))} vs {Ms(Median(save, baselineMethod, "cpu"))}");
                    if (Report(save, method, "wall") is not null)
                    {
                        notes.Add($"BDN wall clock {X(Median(save, method, "wall") / Median(save, baselineMethod, "wall"))}");
                    }

                    notes.Add($"+{Allocated(save, method, "cpu") - Allocated(save, baselineMethod, "cpu"):N0} B allocated per save");
                }

                table.Add(new ResultRow(id, name, "same save, no UseKissTracking", X(primary), X(bdn), "≤ " + target.ToString("F2", inv) + "×", double.IsNaN(primary) ? null : primary <= target, string.Join("; ", notes)));
            }

            SaveRow("1", "SaveChanges of 1,000 new mapped entities (event with 2 properties + property set each), outbox", nameof(SaveBenchmarks.Mapped_Outbox), nameof(SaveBenchmarks.Mapped_TrackingOff), 1.15, SaveScenario.MappedOutbox);
            SaveRow("2", "same, direct delivery (dry run, dispatcher not running)", nameof(SaveBenchmarks.Mapped_Direct), nameof(SaveBenchmarks.Mapped_TrackingOff), 1.08, SaveScenario.MappedDirect);
            SaveRow("3", "SaveChanges of 1,000 new entities of an unmapped type, tracking on", nameof(SaveBenchmarks.Unmapped_TrackingOn), nameof(SaveBenchmarks.Unmapped_TrackingOff), 1.03, SaveScenario.UnmappedOn);
            SaveRow("4", "SaveChanges of 1,000 modified entities, OnChanged member changed on 10% (outbox)", nameof(SaveBenchmarks.Modified_Outbox), nameof(SaveBenchmarks.Modified_TrackingOff), 1.10, SaveScenario.ModifiedOutbox);
        }

        if (save is not null || unmappedAlloc is not null)
        {
            var bdn = (Allocated(save, nameof(SaveBenchmarks.Unmapped_TrackingOn), "cpu") - Allocated(save, nameof(SaveBenchmarks.Unmapped_TrackingOff), "cpu")) / 1000.0;
            table.Add(new ResultRow("3b", "extra allocations per unmapped entity, tracking on", "tracking off",
                unmappedAlloc is { } u ? u.Slope.ToString("F1", inv) + " B/entity" : "n/a", save is null ? "n/a" : bdn.ToString("F1", inv) + " B/entity", "0 B/entity", unmappedAlloc is { } v ? v.Slope < 1 : null,
                "judged on the slope between saves of 1,000 and 2,000 entities; BenchmarkDotNet's figure is the difference / 1,000, a fixed cost per save"));
        }

        if (save is not null || callAlloc is not null)
        {
            var bdn = (Allocated(save, nameof(SaveBenchmarks.Visitor_Direct), "cpu") - Allocated(save, nameof(SaveBenchmarks.Visitor_TrackingOff), "cpu")) / 1000.0;
            table.Add(new ResultRow("5", "allocations per tracked call (event with 2 properties: capture + finalize + queue, direct delivery)", "same save untracked",
                callAlloc is { } c ? c.Slope.ToString("F0", inv) + " B/call" : "n/a", save is null ? "n/a" : bdn.ToString("F0", inv) + " B/call", "≤ 1,024 B", callAlloc is { } d ? d.Slope <= 1024 : null,
                "slope between saves of 1,000 and 2,000 entities; BenchmarkDotNet: difference / 1,000 calls" + (pairs.TryGetValue(SaveScenario.VisitorDirect, out var vp) ? $"; time: CPU {X(vp.CpuRatio)} of the untracked save" : string.Empty)));
        }

        if (drain is not null || drainPairs is not null)
        {
            var b = Median(drain, nameof(DrainBenchmarks.PlainHttpClient), "wall");
            var c = Median(drain, nameof(DrainBenchmarks.KissEf_FlushAsync), "wall");
            var bdn = b / c;
            var primary = drainPairs?.ThroughputRatio ?? bdn;
            var notes = new List<string>();
            if (drainPairs is { } dp)
            {
                notes.Add(FormattableString.Invariant($"pairs: {DrainBenchmarks.Calls / (dp.KissWallMs / 1e3):N0} vs {DrainBenchmarks.Calls / (dp.PlainWallMs / 1e3):N0} calls/s, process CPU {X(dp.CpuRatio)}"));
            }

            if (drain is not null)
            {
                var alloc = (Allocated(drain, nameof(DrainBenchmarks.KissEf_FlushAsync), "wall") - Allocated(drain, nameof(DrainBenchmarks.PlainHttpClient), "wall")) / (double)DrainBenchmarks.Calls;
                notes.Add(FormattableString.Invariant($"BDN medians {c / 1e6:F0} vs {b / 1e6:F0} ms; +{alloc:N0} B allocated per call"));
            }

            table.Add(new ResultRow("6", "draining 10,000 outbox calls to Kestrel on 127.0.0.1 (IKissDispatcher.FlushAsync)", "plain HttpClient loop, same 10,000 URLs, same concurrency (4)",
                X(primary) + " throughput", X(bdn), "≥ 0.90×", double.IsNaN(primary) ? null : primary >= 0.9, string.Join("; ", notes)));
        }

        void TenantRow(string id, string name, TenantDrainResult? result)
        {
            if (result is { } t)
            {
                table.Add(new ResultRow(id, name, "the same calls in one database, same run", X(t.Ratio) + " throughput", "(custom)", "a ratio, no target", null,
                    FormattableString.Invariant($"median of {t.Pairs} interleaved pairs, {t.RatioMin:F2}-{t.RatioMax:F2}; {t.TenantCallsPerSecond:N0} vs {t.SingleCallsPerSecond:N0} calls/s; {t.Cpu}; first flush of the tenants {t.FirstFlushMs:F0} ms")));
            }
        }

        TenantRow("6t", "draining 10,000 outbox calls held by 100 tenant SQLite files (UseTenants, 100 calls each) to Kestrel on 127.0.0.1 (IKissDispatcher.FlushAsync), tmpfs", tenantDrain);
        TenantRow("pg6t", "PostgreSQL: draining 10,000 outbox calls held by 100 tenant databases (100 calls each)", pgTenantDrain);

        if (memory is not null)
        {
            var small = memory.Where(m => m.Calls == 10_000).Max(m => m.PeakRssBytes);
            var large = memory.Where(m => m.Calls == 100_000).Max(m => m.PeakRssBytes);
            var ratio = (double)large / small;
            var heapSmall = memory.Where(m => m.Calls == 10_000).Max(m => m.PeakManagedHeapBytes);
            var heapLarge = memory.Where(m => m.Calls == 100_000).Max(m => m.PeakManagedHeapBytes);
            table.Add(new ResultRow("7", "dispatcher peak working set while draining 100,000 calls", "draining 10,000", X(ratio), "(custom)", "≤ 1.20×", ratio <= 1.2,
                $"peak RSS {DrainMemory.Mb(large)} vs {DrainMemory.Mb(small)} (highest of {memory.Count / 2} child run(s) each); peak managed heap {DrainMemory.Mb(heapLarge)} vs {DrainMemory.Mb(heapSmall)}"));
        }

        if (singleCpu is { } sc)
        {
            table.Add(new ResultRow("8", "single-entity save (the common web request: scope, context, one new mapped Customer, SaveChangesAsync), outbox, save path only (host not started)", "same app without KissEf (host, AddDbContext, scope per save)",
                X(sc.Ratio) + " process CPU", "(custom)", "≤ 1.15×", sc.Ratio <= 1.15,
                FormattableString.Invariant($"median of {sc.Pairs} interleaved pairs of {sc.Block} saves, quartiles {sc.Q1:F2}-{sc.Q3:F2}; {sc.KissUs:F0} vs {sc.PlainUs:F0} µs per save; tmpfs")));
        }

        if (singleLatency is { } sl)
        {
            table.Add(new ResultRow("8b", "single-entity save latency (wall clock, scope included) on a SQLite file on disk while the dispatcher delivers every commit to Kestrel on 127.0.0.1", "same app without KissEf, same saves",
                X(sl.P99Ratio) + " p99", "(custom)", "p99 ≤ 1.5×", sl.P99Ratio <= 1.5,
                $"{sl.Saves} saves per side; KissEf {sl.Kiss}; plain {sl.Plain}"));
        }

        if (endToEnd is { } e2e)
        {
            table.Add(new ResultRow("9", "end to end: SaveChangesAsync of 1,000 tracked inserts (1 event each) + IKissDispatcher.FlushAsync", "same save without KissEf + HttpClient loop sending the same 1,000 URLs 4 at a time",
                X(e2e.CpuRatio) + " process CPU", "(custom)", "≤ 1.10×", e2e.CpuRatio <= 1.10,
                FormattableString.Invariant($"median of {e2e.Pairs} interleaved pairs, quartiles {e2e.Q1:F2}-{e2e.Q3:F2}; {e2e.KissCpuMs:F0} vs {e2e.PlainCpuMs:F0} ms; wall {e2e.WallRatio:F2}×; tmpfs, endpoint in-process (its CPU counted on both sides)")));
        }

        void PgSaveRow(string id, string name, double target, SaveScenario scenario)
        {
            if (pgPairs.TryGetValue(scenario, out var p))
            {
                table.Add(new ResultRow(id, name, "same save on PostgreSQL, no UseKissTracking", X(p.CpuRatio), "(custom)", "≤ " + target.ToString("F2", inv) + "×", p.CpuRatio <= target,
                    FormattableString.Invariant($"pairs: CPU {p.CandCpuMs:F1} vs {p.BaseCpuMs:F1} ms, wall {X(p.WallRatio)} ({p.CandWallMs:F1} vs {p.BaseWallMs:F1} ms); the server's CPU is not the saving thread's")));
            }
        }

        PgSaveRow("pg1", "PostgreSQL: SaveChanges of 1,000 new mapped entities, outbox", 1.15, SaveScenario.MappedOutbox);
        PgSaveRow("pg2", "PostgreSQL: same, direct delivery (dry run)", 1.08, SaveScenario.MappedDirect);
        if (pgSingle is { } ps)
        {
            table.Add(new ResultRow("pg8", "PostgreSQL: single-entity save, outbox, save path only (host not started)", "same app without KissEf, a database of its own on the same server",
                X(ps.Ratio) + " process CPU", "(custom)", "≤ 1.15×", ps.Ratio <= 1.15,
                FormattableString.Invariant($"median of {ps.Pairs} interleaved pairs of {ps.Block} saves, quartiles {ps.Q1:F2}-{ps.Q3:F2}; {ps.KissUs:F0} vs {ps.PlainUs:F0} µs per save; server CPU {ps.KissServerUs:F0} vs {ps.PlainServerUs:F0} µs per save (not in the ratio)")));
        }

        if (navigationLoad is { } nl)
        {
            table.Add(new ResultRow("4n", "SaveChanges of 1,000 modified orders of 100 buyers whose identity is o.Buyer.IdentityGuid, buyers not loaded (KissEf loads them: one query), outbox", "the same save with the buyers loaded (Include, not timed)",
                X(nl.CpuVersusLoaded), "(custom)", "a ratio, no target", null,
                FormattableString.Invariant($"median of {nl.Rounds} interleaved rounds; CPU {nl.NotLoadedMs:F1} vs {nl.LoadedMs:F1} ms (plain EF, same save: {nl.PlainMs:F1} ms; not loaded vs plain {X(nl.CpuVersusPlain)}); wall {X(nl.WallVersusLoaded)}")));
        }

        var markdown = table.ToMarkdown($"KissEf benchmarks ({mode}), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC")
                       + Environment.NewLine + "Machine: " + machine + "; SQLite synchronous=" + BenchServices.Synchronous + Environment.NewLine
                       + "ratio: saves 1-4, median over interleaved pairs (baseline, candidate, ...) of the saving thread's CPU time ratio; drain 6, median over interleaved pairs of the throughput ratio; "
                       + "memory 7, child processes, peak RSS (VmHWM) from the start of the drain; 8 and 9, process CPU (CLOCK_PROCESS_CPUTIME_ID), medians of interleaved pairs; 6t and pg6t, median over interleaved pairs of the throughput ratio (one database's time / the tenants'), process CPU beside; 8b, per-save wall clock percentiles; pg1, pg2 and pg8, the same methods as 1, 2 and 8 on a private PostgreSQL server (data on tmpfs, fsync=off), whose own CPU is not counted. BDN ratio: BenchmarkDotNet's medians (in-process; saves timed with a thread-CPU clock, one SaveChanges per iteration on a fresh copy of the database), baseline in the same run." + Environment.NewLine;
        Console.WriteLine();
        Console.WriteLine(markdown);
        Directory.CreateDirectory("BenchmarkDotNet.Artifacts");
        var file = Path.GetFullPath(Path.Combine("BenchmarkDotNet.Artifacts", $"kissef-results-{mode}.md"));
        await File.WriteAllTextAsync(file, markdown);
        Console.WriteLine($"Written to {file}; total {total.Elapsed.TotalSeconds:F0} s ({string.Join(", ", phases)}).");
        BenchPaths.TryDelete(BenchPaths.Root);
        return 0;
    }
}
