using System.CommandLine;
using System.Globalization;
using KissEf.Benchmarks.Benchmarks;
using KissEf.Benchmarks.Infrastructure;
using KissEf.Benchmarks.Model;

namespace KissEf.Benchmarks;

/// <summary>
/// The commands of the probes that need clocks of their own (and of the run behind the README's table), parsed by
/// System.CommandLine; the BenchmarkDotNet classes alone run through BenchmarkSwitcher (see Program).
/// </summary>
public static class ProbeCommands
{
    private static readonly string[] Parts = ["save", "drain", "alloc", "pairs", "memory", "single", "e2e", "tenants", "pg", "pgtenants", "navload"];

    // Options every command takes (they set the benchmarks' shared services before anything runs).
    private static readonly Option<string> Sync = new Option<string>("--sync")
    {
        Description = "SQLite's synchronous pragma for the benchmarks' databases (default FULL)",
        Recursive = true,
    }.AcceptOnlyFromAmong(StringComparer.OrdinalIgnoreCase, "FULL", "NORMAL", "OFF");

    private static readonly Option<int?> ExtraMapsOption = new("--extra-maps")
    {
        HelpName = "N",
        Description = "register N more maps (0-40), of types never saved (profiling aid)",
        Recursive = true,
    };

    private static readonly Option<int?> ClaimBatch = new("--claim-batch")
    {
        HelpName = "N",
        Description = "KissTrackingOptions.ClaimBatchSize for the benchmarks' providers (default: the library's)",
        Recursive = true,
    };

    public static RootCommand Create()
    {
        var root = new RootCommand(
            "KissEf's benchmarks (docs/performance.md): the commands below run the README's table and the probes with clocks of their own. "
            + "Any other first argument goes to BenchmarkDotNet's switcher, e.g. --filter '*SaveBenchmarks*' --iterationCount 5, or --list flat "
            + "(its own options: https://benchmarkdotnet.org/articles/guides/console-args.html).")
        {
            Sync, ExtraMapsOption, ClaimBatch,
            Table(), Single(), Tenants(), Profile(), BackfillMemoryCommand(), BulkUpdateCommand(), DeadGroupsMemoryCommand(),
        };
        return root;
    }

    private static Command Table()
    {
        var quick = new Option<bool>("--quick") { Description = "short jobs and fewer pairs (2-4 minutes), same table" };
        var only = new Option<string>("--only")
        {
            Description = "a comma-separated subset of " + string.Join(",", Parts) + " (pg: rows pg1, pg2 and pg8 on a private PostgreSQL server)",
        };
        only.Validators.Add(result =>
        {
            foreach (var part in Split(result.GetValueOrDefault<string>()) ?? [])
            {
                if (!Parts.Contains(part, StringComparer.OrdinalIgnoreCase))
                {
                    result.AddError($"--only: unknown part '{part}'; the parts are {string.Join(", ", Parts)}.");
                }
            }
        });

        var command = new Command("table", "everything behind the README's table: BenchmarkDotNet's saves and drain, then the probes (about 3 minutes in full); writes BenchmarkDotNet.Artifacts/kissef-results-{full|quick}.md")
        {
            quick, only,
        };
        command.SetAction(r =>
        {
            Apply(r);
            return TableRun.RunAsync(r.GetValue(quick), Split(r.GetValue(only))?.ToHashSet(StringComparer.OrdinalIgnoreCase));
        });
        return command;
    }

    private static Command Single()
    {
        Option<int> Count(string name, string description) => new(name) { Description = description, DefaultValueFactory = _ => 10 };

        var cpuPairs = Count("--pairs", "interleaved pairs of 200 saves");
        var variant = new Option<string>("--variant")
        {
            Description = "the candidate: outbox, direct, or plain EF with a forced transaction (offtx) or KissEf's facade touched (offfacade), to isolate a cost",
            DefaultValueFactory = _ => "outbox",
        }.AcceptOnlyFromAmong("outbox", "direct", "offtx", "offfacade");
        var provider = new Option<string>("--provider")
        {
            Description = "sqlite (tmpfs) or postgres (a private server this run starts and stops)",
            DefaultValueFactory = _ => "sqlite",
        }.AcceptOnlyFromAmong("sqlite", "postgres");
        var cpu = new Command("cpu", "single-save CPU against plain EF, app of the same shape (host, AddDbContext, scope per save): process CPU of interleaved pairs") { cpuPairs, variant, provider };
        cpu.SetAction(async r =>
        {
            Apply(r);
            using var pg = r.GetValue(provider) == "postgres" ? PgServer.Start() : null;
            Console.WriteLine(await SingleSaveProbes.CpuAsync(r.GetValue(cpuPairs), 200, r.GetValue(variant)!, pg));
            Console.WriteLine("warm-up: " + SingleSaveProbes.WarmUp);
        });

        var saves = Count("--saves", "saves per side");
        var block = new Option<int>("--block") { Description = "saves per alternating block", DefaultValueFactory = _ => 100 };
        var noDelivery = new Option<bool>("--no-delivery") { Description = "profiling aid: KissEf's dispatcher does not run (what delivery adds to the tail)" };
        var latency = new Command("latency", "single-save latency (wall clock) on a SQLite file on disk while the dispatcher delivers") { saves, block, noDelivery };
        latency.SetAction(async r =>
        {
            Apply(r);
            var result = await SingleSaveProbes.LatencyAsync(r.GetValue(saves), r.GetValue(block), delivery: !r.GetValue(noDelivery));
            Console.WriteLine(FormattableString.Invariant($"plain {result.Plain}; KissEf {result.Kiss}; p99 ratio {result.P99Ratio:F2}"));
            Console.WriteLine(result.Phases);
        });

        var e2ePairs = Count("--pairs", "interleaved pairs");
        var e2e = new Command("e2e", "end to end: a save of 1,000 tracked inserts + FlushAsync against the same save untracked + an HttpClient loop") { e2ePairs };
        e2e.SetAction(async r =>
        {
            Apply(r);
            Console.WriteLine(await EndToEndProbes.InterleavedAsync(r.GetValue(e2ePairs)));
        });

        var splitPairs = Count("--pairs", "alternations of 200 saves");
        var splitVariant = new Option<string>("--variant") { Description = "outbox or direct", DefaultValueFactory = _ => "outbox" }.AcceptOnlyFromAmong("outbox", "direct");
        var split = new Command("split", "profiling aid: the two apps alternating under methods of their own (for perf)") { splitPairs, splitVariant };
        split.SetAction(r =>
        {
            Apply(r);
            return SingleSaveSplit.RunAsync(r.GetValue(splitPairs), 200, r.GetValue(splitVariant)!);
        });

        var loopSaves = Count("--saves", "saves in the loop");
        var tracking = new Option<Tracking>("--tracking") { Description = "Off, Outbox or Direct", DefaultValueFactory = _ => Tracking.Outbox };
        var loop = new Command("loop", "profiling aid: a steady loop of single saves (for perf)") { loopSaves, tracking };
        loop.SetAction(r =>
        {
            Apply(r);
            return SingleSaveProbes.LoopAsync(r.GetValue(tracking), r.GetValue(loopSaves));
        });

        return new Command("single", "the single-entity save probes (rows 8, 8b and 9 on their own, and profiling aids)") { cpu, latency, e2e, split, loop };
    }

    private static Command Tenants()
    {
        var pairs = new Option<int>("--pairs") { Description = "interleaved pairs (one database, tenants, tenants, one database, ...)", DefaultValueFactory = _ => 10 };
        var calls = new Option<int>("--calls") { Description = "calls drained per flush, on each side", DefaultValueFactory = _ => TenantDrainProbes.DefaultCalls };
        var tenants = new Option<int>("--tenants") { Description = "tenant databases sharing the calls", DefaultValueFactory = _ => TenantDrainProbes.DefaultTenants };
        var provider = new Option<string>("--provider")
        {
            Description = "sqlite (files on tmpfs) or postgres (databases on a private server this run starts and stops)",
            DefaultValueFactory = _ => "sqlite",
        }.AcceptOnlyFromAmong("sqlite", "postgres");
        var warm = new Option<bool>("--warm")
        {
            Description = "SQLite: put the outboxes back with SQL instead of copying the files, so pooled connections stay open between flushes",
        };
        var command = new Command("tenants", "issue 17: FlushAsync draining N calls from a database per tenant (UseTenants) against the same calls in one database; interleaved pairs, throughput and process CPU")
        {
            pairs, calls, tenants, provider, warm,
        };
        command.SetAction(async r =>
        {
            Apply(r);
            using var pg = r.GetValue(provider) == "postgres" ? PgServer.Start(TenantDrainProbes.MaxConnections(r.GetValue(tenants))) : null;
            Console.WriteLine("load average before: " + MachineInfo.LoadAverage);
            Console.WriteLine(await TenantDrainProbes.InterleavedAsync(r.GetValue(pairs), r.GetValue(calls), r.GetValue(tenants), pg, r.GetValue(warm)));
            Console.WriteLine("load average after: " + MachineInfo.LoadAverage);
        });
        return command;
    }

    private static Command Profile()
    {
        var what = new Argument<string>("loop") { Description = "drain, plain, breakdown, senders, store, tenants, tenants-single, tenant-pieces or a SaveScenario (e.g. MappedOutbox)" };
        var passes = new Argument<int>("passes") { Description = "passes of the loop" };
        var command = new Command("profile", "steady loops for dotnet-trace or perf, the time of each pass printed") { what, passes };
        command.SetAction(r =>
        {
            Apply(r);
            return ProfileLoops.Run(r.GetValue(what)!, r.GetValue(passes));
        });
        return command;
    }

    private static Command BulkUpdateCommand()
    {
        var rows = new Option<int>("--rows") { Description = "rows of each update", DefaultValueFactory = _ => 10_000 };
        var pairs = new Option<int>("--pairs") { Description = "interleaved pairs (tracked, plain)", DefaultValueFactory = _ => 10 };
        var memory = new Option<int>("--memory-rows") { Description = "rows of the large update of the memory figure (the small one is a tenth; 0: none)", DefaultValueFactory = _ => 1_000_000 };
        var command = new Command("bulk-update", "issue 18: ExecuteUpdateTrackedAsync against ExecuteUpdateAsync (process CPU, wall), then a tracked update's peak working set, N rows against N/10") { rows, pairs, memory };
        command.SetAction(async r =>
        {
            Apply(r);
            await BulkUpdateProbes.RunAsync(r.GetValue(rows), r.GetValue(pairs), Console.Out);
            var large = r.GetValue(memory);
            if (large > 0)
            {
                var small = await BulkUpdateProbes.PeakAsync(large / 10, Console.Out);
                var big = await BulkUpdateProbes.PeakAsync(large, Console.Out);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"tracked bulk update peak RSS: {large:N0} rows {DrainMemory.Mb(big)} vs {large / 10:N0} rows {DrainMemory.Mb(small)}: {(double)big / small:F2}x"));
            }
        });
        return command;
    }

    private static Command DeadGroupsMemoryCommand()
    {
        var rows = new Option<int>("--rows") { Description = "dead rows of the large reading (the small one is a tenth)", DefaultValueFactory = _ => 100_000 };
        var command = new Command("dead-groups-memory", "issue 19: the peak working set of grouping N dead rows (100 calls each) against N/10") { rows };
        command.SetAction(async r =>
        {
            Apply(r);
            var large = r.GetValue(rows);
            var small = await DeadGroupsMemory.PeakAsync(large / 10, Console.Out);
            var big = await DeadGroupsMemory.PeakAsync(large, Console.Out);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"dead-letter groups peak RSS: {large:N0} rows {DrainMemory.Mb(big)} vs {large / 10:N0} rows {DrainMemory.Mb(small)}: {(double)big / small:F2}x"));
        });
        return command;
    }

    private static Command BackfillMemoryCommand()
    {
        var rows = new Option<int>("--rows") { Description = "rows of the large export (the small one is a tenth)", DefaultValueFactory = _ => 1_000_000 };
        var command = new Command("backfill-memory", "a backfill's peak working set (issue 11): N rows against N/10, each in a child process (about 1 minute)") { rows };
        command.SetAction(async r =>
        {
            Apply(r);
            var large = r.GetValue(rows);
            var (smallPeak, largePeak) = await BackfillMemory.RunAsync(large / 10, large, Console.Out);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"backfill export peak RSS: {large:N0} rows {DrainMemory.Mb(largePeak)} vs {large / 10:N0} rows {DrainMemory.Mb(smallPeak)}: {(double)largePeak / smallPeak:F2}x (target <= 1.20x)"));
        });
        return command;
    }

    private static void Apply(ParseResult result)
    {
        if (result.GetValue(Sync) is { } sync)
        {
            BenchServices.Synchronous = sync.ToUpperInvariant();
        }

        if (result.GetValue(ExtraMapsOption) is { } extra)
        {
            ExtraMaps.Count = Math.Clamp(extra, 0, 40);
        }

        if (result.GetValue(ClaimBatch) is { } claim)
        {
            BenchServices.ClaimBatchSize = claim;
        }
    }

    private static string[]? Split(string? list) => list?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
