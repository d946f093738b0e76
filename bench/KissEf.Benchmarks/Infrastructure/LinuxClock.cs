using System.Runtime.InteropServices;

namespace KissEf.Benchmarks.Infrastructure;

/// <summary>Linux <c>clock_gettime</c>, for the CPU-time clocks (<see cref="ThreadCpuClock"/>, <see cref="ProcessCpuClock"/>).</summary>
internal static partial class LinuxClock
{
    /// <summary>CLOCK_PROCESS_CPUTIME_ID: every thread of this process, user + system.</summary>
    public const int ProcessCpuTime = 2;

    /// <summary>CLOCK_THREAD_CPUTIME_ID: the calling thread, user + system.</summary>
    public const int ThreadCpuTime = 3;

    /// <summary>The clock's reading in nanoseconds.</summary>
    public static long Nanoseconds(int clockId, string name)
    {
        if (ClockGetTime(clockId, out var time) != 0)
        {
            throw new InvalidOperationException($"clock_gettime({name}) failed.");
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
