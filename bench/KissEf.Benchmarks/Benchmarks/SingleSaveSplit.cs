using System.Runtime.CompilerServices;
using KissEf.Benchmarks.Infrastructure;

namespace KissEf.Benchmarks.Benchmarks;

/// <summary>
/// Profiling aid: the interleaved single-save probe's shape (both apps in one process, alternating blocks), with each
/// side's saves under a method of its own, so a sampling profiler splits the two sides' stacks exactly.
/// </summary>
public static class SingleSaveSplit
{
    public static async Task RunAsync(int pairs, int block, string candidate)
    {
        var folder = BenchPaths.NewTmpfsFolder("single-split");
        try
        {
            var plainDb = new DbFile(Path.Combine(folder, "plain.db"));
            var kissDb = new DbFile(Path.Combine(folder, "kiss.db"));
            BenchServices.CreateDatabase(plainDb);
            BenchServices.CreateDatabase(kissDb);
            await using var plain = new SingleSaveApp(Tracking.Off, plainDb, endpoint: null);
            await using var kiss = new SingleSaveApp(Enum.Parse<Tracking>(candidate, ignoreCase: true), kissDb, endpoint: null);
            var ratios = new List<double>();
            for (var i = 0; i < pairs; i++)
            {
                var p = PlainSide(plain, block);
                var k = KissSide(kiss, block);
                ratios.Add(k / p);
                if (i % 1 == 0)
                {
                    Console.WriteLine(FormattableString.Invariant($"pair {i + 1}: plain {p:F1} µs, kiss {k:F1} µs, {k / p:F3}×"));
                }
            }

            Console.WriteLine(FormattableString.Invariant($"median of the last half {SaveProbes.Median(ratios.Skip(pairs / 2).ToList()):F3}×"));
        }
        finally
        {
            BenchPaths.TryDelete(folder);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double PlainSide(SingleSaveApp app, int block) => Side(app, block);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double KissSide(SingleSaveApp app, int block) => Side(app, block);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double Side(SingleSaveApp app, int block)
    {
        var before = ProcessCpuClock.Now();
        for (var i = 0; i < block; i++)
        {
            app.SaveOneAsync().GetAwaiter().GetResult();
        }

        return (ProcessCpuClock.Now() - before) / 1e3 / block;
    }
}
