using System.Diagnostics;
using KissEf.Benchmarks.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Polly;

namespace KissEf.Benchmarks.Benchmarks;

/// <summary>
/// Where KissHttpSender's extra CPU goes: the plain loop, then the pieces of KissEf's HTTP pipeline added one at a
/// time (request shape, a key-adding handler like KissApiKeyHandler, IHttpClientFactory, the resilience handler),
/// interleaved; process CPU per call and wall time. Profiling aid: profile senders N.
/// </summary>
public static class SenderVariants
{
    public static int Run(int passes)
    {
        var bench = new DrainBenchmarks();
        bench.GlobalSetup();
        try
        {
            var endpoint = bench.EndpointUri;
            var lines = bench.Lines.ToArray();
            var keyedLines = lines.Select(line => line[0] + "?_k=" + BenchServices.ApiKey + "&" + line[2..]).ToArray();
            var urls = lines.Select(line => new Uri(endpoint, line[0] + "?_k=" + BenchServices.ApiKey + "&" + line[2..]).AbsoluteUri).ToArray();
            var plain = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
            var shaped = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { BaseAddress = endpoint };
            var keyed = new HttpClient(new KeyHandler { InnerHandler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) } }) { BaseAddress = endpoint };

            var services = new ServiceCollection();
            services.AddHttpClient("factory", c => c.BaseAddress = endpoint)
                .RemoveAllLoggers()
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
                .AddHttpMessageHandler(() => new KeyHandler());
            services.AddHttpClient("resilient", c =>
                {
                    c.BaseAddress = endpoint;
                    c.Timeout = Timeout.InfiniteTimeSpan;
                })
                .RemoveAllLoggers()
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
                .AddResilienceHandler("kiss", pipeline => pipeline.AddTimeout(TimeSpan.FromSeconds(10)))
                .Services.AddHttpClient("resilient")
                .AddHttpMessageHandler(() => new KeyHandler());
            using var provider = services.BuildServiceProvider();
            var factory = provider.GetRequiredService<IHttpClientFactory>();

            async Task Shaped(HttpClient client, string line, CancellationToken token)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(line, UriKind.Relative));
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
                response.EnsureSuccessStatusCode();
            }

            var variants = new (string Name, Func<Task> Run)[]
            {
                ("1 plain GetAsync(absolute URL)", () => Loop(urls, async (u, t) => { using var r = await plain.GetAsync(u, t); r.EnsureSuccessStatusCode(); })),
                ("2 + request message, relative URI", () => Loop(keyedLines, (u, t) => Shaped(shaped, u, t))),
                ("3 + handler adding _k (UriBuilder)", () => Loop(lines, (l, t) => Shaped(keyed, l, t))),
                ("4 + IHttpClientFactory per send", () => Loop(lines, (l, t) => Shaped(factory.CreateClient("factory"), l, t))),
                ("5 + resilience handler (timeout)", () => Loop(lines, (l, t) => Shaped(factory.CreateClient("resilient"), l, t))),
                ("6 KissHttpSender itself", bench.SendThroughKissSenderAsync),
            };

            var wall = variants.Select(_ => new List<double>()).ToArray();
            var cpu = variants.Select(_ => new List<double>()).ToArray();
            var allocated = variants.Select(_ => new List<double>()).ToArray();
            for (var i = 0; i < passes + 3; i++)
            {
                for (var v = 0; v < variants.Length; v++)
                {
                    GC.Collect();
                    using var self = Process.GetCurrentProcess();
                    var before = self.TotalProcessorTime;
                    var bytes = GC.GetTotalAllocatedBytes(precise: true);
                    var watch = Stopwatch.StartNew();
                    variants[v].Run().GetAwaiter().GetResult();
                    watch.Stop();
                    bytes = GC.GetTotalAllocatedBytes(precise: true) - bytes;
                    self.Refresh();
                    if (i >= 3)
                    {
                        wall[v].Add(watch.Elapsed.TotalMilliseconds);
                        cpu[v].Add((self.TotalProcessorTime - before).TotalMilliseconds);
                        allocated[v].Add(bytes);
                    }
                }
            }

            for (var v = 0; v < variants.Length; v++)
            {
                Console.WriteLine($"{variants[v].Name,-38} wall {SaveProbes.Median(wall[v]),6:F0} ms, process CPU {SaveProbes.Median(cpu[v]),6:F0} ms ({SaveProbes.Median(cpu[v]) * 1000 / lines.Length:F1} µs/call), allocated {SaveProbes.Median(allocated[v]) / lines.Length:F0} B/call (Kestrel's share included)");
            }
        }
        finally
        {
            bench.GlobalCleanup();
        }

        return 0;
    }

    private static Task Loop(IEnumerable<string> items, Func<string, CancellationToken, Task> send)
        => Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (item, token) => await send(item, token));

    /// <summary>What KissApiKeyHandler did before commit 2105ba5: put _k first in the query with a UriBuilder.</summary>
    private sealed class KeyHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri is { IsAbsoluteUri: true } uri)
            {
                var query = uri.Query.Length > 1 ? "&" + uri.Query[1..] : string.Empty;
                request.RequestUri = new UriBuilder(uri) { Query = "_k=" + Uri.EscapeDataString(BenchServices.ApiKey) + query }.Uri;
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
