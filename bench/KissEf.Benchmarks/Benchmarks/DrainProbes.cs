using System.Diagnostics;

namespace KissEf.Benchmarks.Benchmarks;

/// <summary>Draining interleaved with the plain loop (plain, KissEf, KissEf, plain, ...), with the same setup as <see cref="DrainBenchmarks"/>.</summary>
public static class DrainProbes
{
    /// <summary>
    /// Medians over <paramref name="pairs"/> pairs: throughput ratio (plain time / KissEf time), and the process CPU
    /// time per side (the in-process Kestrel endpoint's share is the same for both).
    /// </summary>
    public static DrainPairResult Interleaved(int pairs)
    {
        var bench = new DrainBenchmarks();
        bench.GlobalSetup();
        try
        {
            (double Wall, double Cpu) Time(bool kiss)
            {
                bench.Prepare(kiss);
                GC.Collect();
                GC.WaitForPendingFinalizers();
                using var self = Process.GetCurrentProcess();
                var cpu = self.TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                (kiss ? bench.FlushAsync() : bench.SendPlainAsync()).GetAwaiter().GetResult();
                watch.Stop();
                self.Refresh();
                var used = self.TotalProcessorTime - cpu;
                bench.Verify();
                return (watch.Elapsed.TotalMilliseconds, used.TotalMilliseconds);
            }

            Time(kiss: false);
            Time(kiss: true);
            var throughput = new List<double>();
            var cpu = new List<double>();
            var plainWall = new List<double>();
            var kissWall = new List<double>();
            var plainCpu = new List<double>();
            var kissCpu = new List<double>();
            for (var i = 0; i < pairs; i++)
            {
                (double Wall, double Cpu) p, k;
                if (i % 2 == 0)
                {
                    p = Time(kiss: false);
                    k = Time(kiss: true);
                }
                else
                {
                    k = Time(kiss: true);
                    p = Time(kiss: false);
                }

                throughput.Add(p.Wall / k.Wall);
                cpu.Add(k.Cpu / p.Cpu);
                plainWall.Add(p.Wall);
                kissWall.Add(k.Wall);
                plainCpu.Add(p.Cpu);
                kissCpu.Add(k.Cpu);
            }

            return new DrainPairResult(
                SaveProbes.Median(throughput),
                SaveProbes.Median(cpu),
                SaveProbes.Median(plainWall),
                SaveProbes.Median(kissWall),
                SaveProbes.Median(plainCpu),
                SaveProbes.Median(kissCpu));
        }
        finally
        {
            bench.GlobalCleanup();
        }
    }
}

/// <summary>Interleaved drains: median throughput ratio (KissEf/plain), CPU ratio (KissEf/plain) and median times in ms.</summary>
public sealed record DrainPairResult(double ThroughputRatio, double CpuRatio, double PlainWallMs, double KissWallMs, double PlainCpuMs, double KissCpuMs);
