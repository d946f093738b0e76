namespace KissEf.Benchmarks.Infrastructure;

/// <summary>
/// The CPU time of the whole process (Linux CLOCK_PROCESS_CPUTIME_ID: every thread, user + system, in ns): what a
/// save costs the machine, the dispatcher's, the thread pool's and the GC's threads included. The same quantity as
/// <see cref="System.Diagnostics.Process.TotalProcessorTime"/>, which on Linux counts in 10 ms clock ticks, too
/// coarse for blocks of single-entity saves.
/// </summary>
public static class ProcessCpuClock
{
    /// <summary>This process's CPU time in nanoseconds.</summary>
    public static long Now() => LinuxClock.Nanoseconds(LinuxClock.ProcessCpuTime, "CLOCK_PROCESS_CPUTIME_ID");
}
