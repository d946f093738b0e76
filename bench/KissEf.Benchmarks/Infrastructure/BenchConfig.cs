using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace KissEf.Benchmarks.Infrastructure;

/// <summary>The jobs and config of the BenchmarkDotNet classes, for the switcher and for <see cref="TableRun"/>.</summary>
public static class BenchConfig
{
    // Saves: one SaveChanges per iteration on fresh data, so one invocation per iteration. The "cpu" job times the
    // saving thread's CPU (the figure the table judges: it is what KissEf adds, and it survives a busy machine);
    // the full run adds a "wall" job with BenchmarkDotNet's usual clock.
    public static Job SaveJob(string id, int warmups, int iterations) => Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1)
        .WithWarmupCount(warmups)
        .WithIterationCount(iterations)
        .WithInvocationCount(1)
        .WithUnrollFactor(1)
        .WithId(id);

    public static IConfig Config(params Job[] jobs)
        => jobs.Aggregate(DefaultConfig.Instance, (config, job) => config.AddJob(job))
            .AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByJob)
            .AddColumn(BenchmarkDotNet.Columns.StatisticColumn.Median);

    /// <summary>
    /// The switcher's config: in process, one invocation per iteration (every iteration saves fresh data or drains a
    /// filled outbox), wall clock; BenchmarkDotNet's own arguments (--job, --iterationCount, ...) refine it.
    /// </summary>
    public static IConfig Switcher() => Config(SaveJob("wall", 5, 20));
}
