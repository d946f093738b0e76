using BenchmarkDotNet.Running;
using KissEf.Benchmarks;
using KissEf.Benchmarks.Benchmarks;
using KissEf.Benchmarks.Infrastructure;

// KissEf's benchmarks (issue 4; see docs/performance.md). Two entry points:
//   dotnet run -c Release --project bench/KissEf.Benchmarks -- table [--quick] [--only pg]   the README's table
//   dotnet run -c Release --project bench/KissEf.Benchmarks -- --filter '*Save*'            BenchmarkDotNet's switcher
// A first argument naming a command below (or --help) goes to System.CommandLine; anything else to the switcher.

// The memory probes' child processes (started by DrainMemory and BackfillMemory with positional arguments).
if (args is ["--drain-child", .. var drainChild])
{
    return await DrainMemory.ChildAsync(drainChild);
}

if (args is ["--backfill-child", .. var backfillChild])
{
    return await BackfillMemory.ChildAsync(backfillChild);
}

var root = ProbeCommands.Create();
if (args.Length == 0 || args[0] is "-h" or "--help" or "-?" || root.Subcommands.Any(c => c.Name == args[0]))
{
    return await root.Parse(args.Length == 0 ? ["--help"] : args).InvokeAsync();
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchConfig.Switcher());
return 0;
