using Perfolizer.Horology;

namespace KissEf.Benchmarks.Infrastructure;

/// <summary>
/// A BenchmarkDotNet clock that reads the CPU time of the calling thread (Linux CLOCK_THREAD_CPUTIME_ID, user +
/// system, in ns). SaveChanges is synchronous and runs on the benchmark thread, so this is the CPU the save costs,
/// without the time the thread waited for fsync or was preempted by other processes: on a shared 2-core machine
/// that wall-clock noise is larger than the overheads measured.
/// </summary>
public sealed class ThreadCpuClock : IClock
{
    public static ThreadCpuClock Instance { get; } = new();

    public string Title => "Thread CPU time";

    public bool IsAvailable => OperatingSystem.IsLinux();

    public Frequency Frequency => Frequency.GHz;

    public long GetTimestamp() => Now();

    /// <summary>This thread's CPU time in nanoseconds.</summary>
    public static long Now() => LinuxClock.Nanoseconds(LinuxClock.ThreadCpuTime, "CLOCK_THREAD_CPUTIME_ID");
}
