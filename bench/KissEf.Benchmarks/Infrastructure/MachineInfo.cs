using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Benchmarks.Infrastructure;

/// <summary>What the figures were measured on: they mean little without it.</summary>
public static class MachineInfo
{
    public static int Cores => Environment.ProcessorCount;

    public static string Cpu => ReadKey("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();

    public static string Os => (ReadKey("/etc/os-release", "PRETTY_NAME")?.Trim('"') ?? RuntimeInformation.OSDescription)
                               + ", kernel " + (File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "?");

    public static string Dotnet => RuntimeInformation.FrameworkDescription;

    public static string EfCore => typeof(DbContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "?";

    public static string Gc => $"{(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC, {(System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.Batch ? "non-concurrent" : "concurrent")}";

    /// <summary>The 1, 5 and 15 minute load averages (/proc/loadavg): a shared machine's figures need them beside.</summary>
    public static string LoadAverage => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    public static string Describe()
        => $"{Cores} cores (nproc), CPU {Cpu}, {Os}, {Dotnet}, EF Core {EfCore} + Microsoft.Data.Sqlite, {Gc}";

    private static string? ReadKey(string file, string key)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        foreach (var line in File.ReadLines(file))
        {
            var separator = line.IndexOfAny([':', '=']);
            if (separator > 0 && line[..separator].Trim() == key)
            {
                return line[(separator + 1)..].Trim();
            }
        }

        return null;
    }
}
