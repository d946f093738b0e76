using System.Diagnostics;
using KissEf.Benchmarks.Infrastructure;
using KissEf.Benchmarks.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KissEf.Benchmarks.Benchmarks;

/// <summary>
/// End to end (issue 8): a save of 1,000 tracked inserts (one event with 2 properties each) plus its delivery
/// (<see cref="IKissDispatcher.FlushAsync"/>, the host's dispatcher running), against the same save without KissEf
/// plus a hand-written HttpClient loop sending the same 1,000 URLs 4 at a time. Process CPU, databases on tmpfs,
/// both apps a host with AddDbContext and a scope per save; the Kestrel endpoint (127.0.0.1) runs in this process and
/// answers the same 1,000 requests on both sides.
/// </summary>
public static class EndToEndProbes
{
    public const int Entities = 1000;

    public static async Task<EndToEndResult> InterleavedAsync(int pairs)
    {
        var folder = BenchPaths.NewTmpfsFolder("end-to-end");
        await using var endpoint = await TrackingEndpoint.StartAsync();
        try
        {
            var plainDb = new DbFile(Path.Combine(folder, "plain.db"));
            var kissDb = new DbFile(Path.Combine(folder, "kiss.db"));
            BenchServices.CreateDatabase(plainDb);
            BenchServices.CreateDatabase(kissDb);
            using var plain = Build(plainDb, null);
            using var kiss = Build(kissDb, endpoint.Uri);
            await plain.StartAsync();
            await kiss.StartAsync();
            var urls = await UrlsAsync(folder, endpoint.Uri);
            using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
            var dispatcher = kiss.Services.GetRequiredService<IKissDispatcher>();
            var next = 0;

            async Task SaveAsync(IHost host)
            {
                using var scope = host.Services.CreateScope();
                var db = scope.ServiceProvider.GetRequiredService<BenchContext>();
                for (var i = 0; i < Entities; i++)
                {
                    db.Visitors.Add(Visitor.Create(next++));
                }

                await db.SaveChangesAsync();
            }

            async Task<(double Cpu, double Wall)> Time(bool withKiss)
            {
                var requests = endpoint.Requests;
                var cpu = ProcessCpuClock.Now();
                var watch = Stopwatch.StartNew();
                if (withKiss)
                {
                    await SaveAsync(kiss);
                    await dispatcher.FlushAsync();
                }
                else
                {
                    await SaveAsync(plain);
                    await Parallel.ForEachAsync(urls, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (url, token) =>
                    {
                        using var response = await http.GetAsync(url, token);
                        response.EnsureSuccessStatusCode();
                    });
                }

                var result = ((ProcessCpuClock.Now() - cpu) / 1e6, watch.Elapsed.TotalMilliseconds);
                if (endpoint.Requests - requests != Entities)
                {
                    throw new InvalidOperationException($"{(withKiss ? "KissEf" : "plain")}: the endpoint got {endpoint.Requests - requests} requests, not {Entities}.");
                }

                return result;
            }

            var warmUp = await WarmUpAsync(async () =>
            {
                await Time(withKiss: false);
                await Time(withKiss: true);
            });

            var cpuRatios = new List<double>();
            var wallRatios = new List<double>();
            var plainCpu = new List<double>();
            var kissCpu = new List<double>();
            for (var i = 0; i < pairs; i++)
            {
                GC.Collect();
                (double Cpu, double Wall) p, k;
                if (i % 2 == 0)
                {
                    p = await Time(withKiss: false);
                    k = await Time(withKiss: true);
                }
                else
                {
                    k = await Time(withKiss: true);
                    p = await Time(withKiss: false);
                }

                cpuRatios.Add(k.Cpu / p.Cpu);
                wallRatios.Add(k.Wall / p.Wall);
                plainCpu.Add(p.Cpu);
                kissCpu.Add(k.Cpu);
            }

            await kiss.StopAsync();
            await plain.StopAsync();
            var sorted = cpuRatios.Order().ToArray();
            return new EndToEndResult(
                SaveProbes.Median(cpuRatios), sorted[sorted.Length / 4], sorted[(sorted.Length * 3) / 4], SaveProbes.Median(wallRatios),
                SaveProbes.Median(plainCpu), SaveProbes.Median(kissCpu), pairs, warmUp);
        }
        finally
        {
            BenchPaths.TryDelete(folder);
        }
    }

    /// <summary>Runs <paramref name="pass"/> at least 12 times, then until it compiles fewer than 10 methods twice in a row (at most 40 passes).</summary>
    public static async Task<string> WarmUpAsync(Func<Task> pass)
    {
        var watch = Stopwatch.StartNew();
        var quiet = 0;
        var passes = 0;
        for (; passes < 40 && (passes < 12 || quiet < 2); passes++)
        {
            var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
            await pass();
            quiet = System.Runtime.JitInfo.GetCompiledMethodCount() - jitted < 10 ? quiet + 1 : 0;
        }

        return FormattableString.Invariant($"{passes} pass pair(s) in {watch.Elapsed.TotalSeconds:F1} s, JIT {(quiet >= 2 ? "settled" : "still compiling")}");
    }

    /// <summary>The URLs KissEf sends for such a save (from a save on a host that is not started): _k first, as its handler puts it.</summary>
    private static async Task<string[]> UrlsAsync(string folder, Uri endpoint)
    {
        var db = new DbFile(Path.Combine(folder, "urls.db"));
        BenchServices.CreateDatabase(db);
        using (var host = Build(db, endpoint))
        {
            using var scope = host.Services.CreateScope();
            var context = scope.ServiceProvider.GetRequiredService<BenchContext>();
            for (var i = 0; i < Entities; i++)
            {
                context.Visitors.Add(Visitor.Create(i));
            }

            await context.SaveChangesAsync();
        }

        var urls = db.OutboxLines().Select(line => new Uri(endpoint, line[0] + "?_k=" + BenchServices.ApiKey + "&" + line[2..]).AbsoluteUri).ToArray();
        return urls.Length == Entities ? urls : throw new InvalidOperationException($"The save wrote {urls.Length} calls, not {Entities}.");
    }

    private static IHost Build(DbFile db, Uri? endpoint)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.ClearProviders();
        if (endpoint is not null)
        {
            builder.Services.AddKissTracking(kiss => kiss.UseApiKey(BenchServices.ApiKey).UseEndpoint(endpoint).MapCustomer().MapVisitor());
        }

        builder.Services.AddDbContext<BenchContext>((sp, options) =>
        {
            options.UseSqlite(db.ConnectionString);
            if (endpoint is not null)
            {
                options.UseKissTracking(sp);
            }
        });
        return builder.Build();
    }
}

/// <summary>Median and quartiles of the per-pair process CPU ratio KissEf/plain, median wall ratio, median ms of process CPU.</summary>
public sealed record EndToEndResult(double CpuRatio, double Q1, double Q3, double WallRatio, double PlainCpuMs, double KissCpuMs, int Pairs, string WarmUp);
