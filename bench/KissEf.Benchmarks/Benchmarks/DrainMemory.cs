using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using KissEf.Benchmarks.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Benchmarks.Benchmarks;

/// <summary>What one child process measured while draining an outbox.</summary>
public sealed record DrainMemoryResult(
    int Calls,
    double Seconds,
    long RssBeforeBytes,
    long PeakRssBytes,
    bool PeakResetWorked,
    long PeakManagedHeapBytes,
    long AllocatedBytes,
    int Gen0,
    int Gen1,
    int Gen2,
    long LeftInOutbox)
{
    public double CallsPerSecond => Calls / Seconds;
}

/// <summary>
/// Benchmark 7 of issue 4: the dispatcher's memory while draining 100,000 calls against 10,000. BenchmarkDotNet
/// does not measure peak working set, so each drain runs in a child process of its own (this executable with
/// <c>--drain-child</c>): the outbox is filled by the parent beforehand (committed saves, no dispatcher running),
/// the child builds its services, resets the kernel's peak-RSS mark (<c>/proc/self/clear_refs</c>), drains with
/// <see cref="IKissDispatcher.FlushAsync"/> while sampling the managed heap, and reports VmHWM (the peak resident
/// set since the reset). The Kestrel endpoint runs in the parent, so its memory is not counted.
/// </summary>
public static class DrainMemory
{
    private const string Marker = "KISSEF-DRAIN-MEMORY ";

    public static async Task<IReadOnlyList<DrainMemoryResult>> RunAsync(int[] sizes, int repeats, TextWriter log)
    {
        var folder = BenchPaths.NewFolder("memory");
        try
        {
            await using var endpoint = await TrackingEndpoint.StartAsync();
            var results = new List<DrainMemoryResult>();
            var template = new Dictionary<int, DbFile>();
            foreach (var size in sizes)
            {
                var fill = Stopwatch.StartNew();
                var db = new DbFile(Path.Combine(folder, $"outbox-{size}.db"));
                DrainBenchmarks.FillOutbox(db, endpoint.Uri, size);
                template[size] = db;
                log.WriteLine($"  filled an outbox with {size:N0} calls in {fill.Elapsed.TotalSeconds:F1} s");
            }

            for (var round = 0; round < repeats; round++)
            {
                foreach (var size in sizes)
                {
                    var work = new DbFile(Path.Combine(folder, "work.db"));
                    work.CopyFrom(template[size]);
                    var before = endpoint.Requests;
                    var result = await RunChildAsync(work, endpoint.Uri, size);
                    var sent = endpoint.Requests - before;
                    if (sent != size || result.LeftInOutbox != 0)
                    {
                        throw new InvalidOperationException($"Draining {size} calls sent {sent} and left {result.LeftInOutbox}.");
                    }

                    log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  drained {size,7:N0} calls in {result.Seconds,6:F2} s ({result.CallsPerSecond,6:N0}/s): RSS before {Mb(result.RssBeforeBytes)}, peak RSS {Mb(result.PeakRssBytes)}{(result.PeakResetWorked ? string.Empty : " (peak not reset: includes start-up)")}, peak managed heap {Mb(result.PeakManagedHeapBytes)}, allocated {Mb(result.AllocatedBytes)}, GCs {result.Gen0}/{result.Gen1}/{result.Gen2}"));
                    results.Add(result);
                }
            }

            return results;
        }
        finally
        {
            BenchPaths.TryDelete(folder);
        }
    }

    /// <summary>The child's side: drain the given database and print one result line.</summary>
    public static async Task<int> ChildAsync(string[] args)
    {
        var db = new DbFile(args[0]);
        var endpoint = new Uri(args[1]);
        var calls = int.Parse(args[2], CultureInfo.InvariantCulture);
        BenchServices.Synchronous = args[3];
        using var services = BenchServices.Build(Tracking.Outbox, db, endpoint);
        var dispatcher = services.GetRequiredService<IKissDispatcher>();

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var reset = TryResetPeak();
        var rssBefore = ReadStatus("VmRSS:");
        var gen0 = GC.CollectionCount(0);
        var gen1 = GC.CollectionCount(1);
        var gen2 = GC.CollectionCount(2);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);

        long peakHeap = 0;
        using var stop = new CancellationTokenSource();
        var sampler = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(forceFullCollection: false));
                Thread.Sleep(2);
            }
        });
        sampler.IsBackground = true;
        sampler.Start();

        var watch = Stopwatch.StartNew();
        await dispatcher.FlushAsync();
        watch.Stop();
        await stop.CancelAsync();
        sampler.Join();

        var result = new DrainMemoryResult(
            calls,
            watch.Elapsed.TotalSeconds,
            rssBefore,
            ReadStatus("VmHWM:"),
            reset,
            peakHeap,
            GC.GetTotalAllocatedBytes(precise: true) - allocated,
            GC.CollectionCount(0) - gen0,
            GC.CollectionCount(1) - gen1,
            GC.CollectionCount(2) - gen2,
            db.OutboxCalls());
        Console.WriteLine(Marker + JsonSerializer.Serialize(result));
        return 0;
    }

    private static async Task<DrainMemoryResult> RunChildAsync(DbFile db, Uri endpoint, int calls)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
        var start = new ProcessStartInfo(self)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(DrainMemory).Assembly.Location);
        }

        foreach (var arg in new[] { "--drain-child", db.Path, endpoint.AbsoluteUri, calls.ToString(CultureInfo.InvariantCulture), BenchServices.Synchronous })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the drain child.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var line = (await output).Split('\n').FirstOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"The drain child failed ({process.ExitCode}): {await error}{await output}");
        }

        return JsonSerializer.Deserialize<DrainMemoryResult>(line[Marker.Length..])!;
    }

    /// <summary>Resets VmHWM to the current RSS (Linux: writing 5 to /proc/self/clear_refs).</summary>
    internal static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>A "kB" line of /proc/self/status, in bytes; the process's peak working set where /proc is missing.</summary>
    internal static long ReadStatus(string key)
    {
        if (File.Exists("/proc/self/status"))
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    var kb = line[key.Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }

        using var self = Process.GetCurrentProcess();
        return key == "VmHWM:" ? self.PeakWorkingSet64 : self.WorkingSet64;
    }

    public static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024.0:F1} MB");
}
