using System.Diagnostics;

namespace KissEf.Benchmarks.Benchmarks;

/// <summary>
/// Steady loops for a profiler (dotnet-trace collect -- dotnet KissEf.Benchmarks.dll profile drain|plain|SCENARIO N):
/// the same setup as the benchmarks, repeated, with the time of each pass printed.
/// </summary>
public static class ProfileLoops
{
    public static int Run(string what, int passes)
    {
        if (what == "breakdown")
        {
            return Breakdown(passes);
        }

        if (what == "senders")
        {
            return SenderVariants.Run(passes);
        }

        if (what == "store")
        {
            return Store(passes);
        }

        if (what == "tenant-pieces")
        {
            return TenantPieces.RunAsync(passes).GetAwaiter().GetResult();
        }

        if (what is "tenants" or "tenants-single")
        {
            return Tenants(what == "tenants", passes);
        }

        if (what is "drain" or "plain")
        {
            var bench = new DrainBenchmarks();
            bench.GlobalSetup();
            try
            {
                for (var i = 0; i < passes; i++)
                {
                    var kiss = what == "drain";
                    bench.Prepare(kiss);
                    var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
                    var jitTime = System.Runtime.JitInfo.GetCompilationTime();
                    var watch = Stopwatch.StartNew();
                    (kiss ? bench.FlushAsync() : bench.SendPlainAsync()).GetAwaiter().GetResult();
                    Console.WriteLine($"{what} pass {i}: {watch.Elapsed.TotalMilliseconds:F0} ms; methods jitted {System.Runtime.JitInfo.GetCompiledMethodCount() - jitted} ({(System.Runtime.JitInfo.GetCompilationTime() - jitTime).TotalMilliseconds:F0} ms)");
                    bench.Verify();
                }
            }
            finally
            {
                bench.GlobalCleanup();
            }

            return 0;
        }

        return Saves(what, passes);
    }

    /// <summary>
    /// Where the drain's time goes: the plain loop, the same lines through KissEf's HttpClient pipeline (no database),
    /// and the full FlushAsync, interleaved; medians of wall clock and process CPU.
    /// </summary>
    private static int Breakdown(int passes)
    {
        var bench = new DrainBenchmarks();
        bench.GlobalSetup();
        try
        {
            var steps = new (string Name, Action Prepare, Func<Task> Run)[]
            {
                ("plain HttpClient loop", () => bench.Prepare(kiss: false), bench.SendPlainAsync),
                ("KissHttpSender, no database", bench.PrepareSendOnly, bench.SendThroughKissSenderAsync),
                ("FlushAsync (claim, send, delete)", () => bench.Prepare(kiss: true), bench.FlushAsync),
            };
            var wall = steps.Select(_ => new List<double>()).ToArray();
            var cpu = steps.Select(_ => new List<double>()).ToArray();
            var allocated = steps.Select(_ => new List<double>()).ToArray();
            for (var i = 0; i < passes + 1; i++)
            {
                for (var s = 0; s < steps.Length; s++)
                {
                    steps[s].Prepare();
                    GC.Collect();
                    using var self = Process.GetCurrentProcess();
                    var before = self.TotalProcessorTime;
                    var bytes = GC.GetTotalAllocatedBytes(precise: true);
                    var watch = Stopwatch.StartNew();
                    steps[s].Run().GetAwaiter().GetResult();
                    watch.Stop();
                    bytes = GC.GetTotalAllocatedBytes(precise: true) - bytes;
                    self.Refresh();
                    bench.Verify();
                    if (i > 0)
                    {
                        wall[s].Add(watch.Elapsed.TotalMilliseconds);
                        cpu[s].Add((self.TotalProcessorTime - before).TotalMilliseconds);
                        allocated[s].Add(bytes);
                    }
                }
            }

            for (var s = 0; s < steps.Length; s++)
            {
                Console.WriteLine($"{steps[s].Name,-34} wall {SaveProbes.Median(wall[s]),6:F0} ms, process CPU {SaveProbes.Median(cpu[s]),6:F0} ms ({SaveProbes.Median(cpu[s]) * 1000 / DrainBenchmarks.Calls:F1} µs/call), allocated {SaveProbes.Median(allocated[s]) / DrainBenchmarks.Calls:F0} B/call");
            }
        }
        finally
        {
            bench.GlobalCleanup();
        }

        return 0;
    }

    /// <summary>FlushAsync of issue 17's bench, one side only: 10,000 calls from 100 tenant databases, or from one.</summary>
    private static int Tenants(bool tenants, int passes)
    {
        var probes = TenantDrainProbes.CreateAsync(TenantDrainProbes.DefaultCalls, TenantDrainProbes.DefaultTenants).GetAwaiter().GetResult();
        try
        {
            for (var i = 0; i < passes; i++)
            {
                var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
                var (wall, cpu, _) = probes.FlushAsync(tenants).GetAwaiter().GetResult();
                Console.WriteLine($"{(tenants ? "tenants" : "one database")} pass {i}: {wall:F0} ms, process CPU {cpu:F0} ms ({cpu * 1000 / TenantDrainProbes.DefaultCalls:F1} µs/call); methods jitted {System.Runtime.JitInfo.GetCompiledMethodCount() - jitted}");
            }
        }
        finally
        {
            probes.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        return 0;
    }

    /// <summary>The dispatcher's database work per batch, alone: a context from a new scope, claim 20 rows, delete them.</summary>
    private static int Store(int passes)
    {
        var folder = Infrastructure.BenchPaths.NewFolder("store");
        try
        {
            var template = new Infrastructure.DbFile(Path.Combine(folder, "template.db"));
            DrainBenchmarks.FillOutbox(template, new Uri("http://127.0.0.1:9/"), DrainBenchmarks.Calls);
            var work = new Infrastructure.DbFile(Path.Combine(folder, "work.db"));
            using var services = Infrastructure.BenchServices.Build(Infrastructure.Tracking.Outbox, work, new Uri("http://127.0.0.1:9/"));
            var claims = new List<double>();
            var deletes = new List<double>();
            var scopes = new List<double>();
            for (var pass = 0; pass < passes + 2; pass++)
            {
                work.CopyFrom(template);
                var batch = 0;
                while (true)
                {
                    var watch = Stopwatch.StartNew();
                    using var scope = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.CreateScope(services);
                    var db = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Model.BenchContext>(scope.ServiceProvider);
                    var scoped = watch.Elapsed.TotalMilliseconds;
                    var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    var owner = $"probe/{pass}/{batch++}";
                    watch.Restart();
                    var rows = KissEf.Internal.Outbox.KissOutboxStore.ClaimPortableAsync(db, owner, now, now + 60_000, 20, CancellationToken.None).GetAwaiter().GetResult();
                    var claimed = watch.Elapsed.TotalMilliseconds;
                    if (rows.Count == 0)
                    {
                        break;
                    }

                    watch.Restart();
                    KissEf.Internal.Outbox.KissOutboxStore.DeleteAsync(db, owner, rows.Select(r => r.Id).ToList(), CancellationToken.None).GetAwaiter().GetResult();
                    var deleted = watch.Elapsed.TotalMilliseconds;
                    if (pass >= 2)
                    {
                        scopes.Add(scoped);
                        claims.Add(claimed);
                        deletes.Add(deleted);
                    }
                }
            }

            Console.WriteLine($"per batch of 20 rows (2,000 calls), synchronous={Infrastructure.BenchServices.Synchronous}: scope+context {SaveProbes.Median(scopes):F2} ms, claim (UPDATE + SELECT) {SaveProbes.Median(claims):F2} ms, delete {SaveProbes.Median(deletes):F2} ms; batches per 10,000 calls: {claims.Count / passes}");
        }
        finally
        {
            Infrastructure.BenchPaths.TryDelete(folder);
        }

        return 0;
    }

    private static int Saves(string what, int passes)
    {
        var scenario = Enum.Parse<SaveScenario>(what, ignoreCase: true);
        var save = new SaveBenchmarks();
        save.GlobalSetup();
        try
        {
            var total = Stopwatch.StartNew();
            for (var i = 0; i < passes; i++)
            {
                save.Prepare(scenario);
                save.Save();
                save.Finish(verify: true);
            }

            Console.WriteLine($"{scenario}: {passes} saves in {total.Elapsed.TotalSeconds:F1} s (setup included)");
        }
        finally
        {
            save.GlobalCleanup();
        }

        return 0;
    }
}
