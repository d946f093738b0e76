using System.Runtime.InteropServices;

namespace KissEf.Benchmarks.Infrastructure;

/// <summary>
/// The CPU time of the whole process (Linux CLOCK_PROCESS_CPUTIME_ID: every thread, user + system, in ns): what a
/// save costs the machine, the dispatcher's, the thread pool's and the GC's threads included. The same quantity as
/// <see cref="System.Diagnostics.Process.TotalProcessorTime"/>, which on Linux counts in 10 ms clock ticks, too
/// coarse for blocks of single-entity saves.
/// </summary>
public static partial class ProcessCpuClock
{
    private const int ClockProcessCpuTimeId = 2;

    /// <summary>This process's CPU time in nanoseconds.</summary>
    public static long Now()
    {
        if (ClockGetTime(ClockProcessCpuTimeId, out var time) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed.");
        }

        return (time.Seconds * 1_000_000_000) + time.Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
