// Outbox throughput with 1, 2 and 4 application instances on one PostgreSQL outbox, against a tracking host that
// answers each call in 5 ms (issue 10). Per round and instance count: a fresh database holding --calls calls
// (100 per save), then that many tests/KissEf.DispatcherHost processes drain it. The figure is calls per second from
// the moment every instance runs to the last call; rounds interleave the instance counts, the table gives medians.
//   dotnet run -c Release --project bench/KissEf.InstanceBenchmarks [-- --calls 10000 --rounds 3]
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using KissEf.Benchmarks.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var calls = Option("--calls") ?? 10_000;
var rounds = Option("--rounds") ?? 3;
int[] counts = [1, 2, 4];
var host = typeof(PgServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "KissEfDispatcherHostPath").Value!;

long answered = 0;
var endpointBuilder = WebApplication.CreateSlimBuilder();
endpointBuilder.Logging.ClearProviders();
endpointBuilder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
await using var endpoint = endpointBuilder.Build();
var gif = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");
endpoint.Run(async context =>
{
    await Task.Delay(5);
    Interlocked.Increment(ref answered);
    context.Response.ContentType = "image/gif";
    await context.Response.Body.WriteAsync(gif);
});
await endpoint.StartAsync();
var endpointUri = new Uri(endpoint.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");

using var pg = PgServer.Start();
Console.WriteLine($"KissEf instance benchmark: {calls} calls per run, {rounds} round(s), tracking host answers in 5 ms, {Environment.ProcessorCount} cores");
var results = counts.ToDictionary(c => c, _ => new List<double>());
for (var round = 0; round < rounds; round++)
{
    // Rotate the order so that no instance count always runs first (or last) in a round.
    foreach (var count in counts.Skip(round % counts.Length).Concat(counts.Take(round % counts.Length)))
    {
        var rate = await RunAsync(count);
        results[count].Add(rate);
        Console.WriteLine($"  round {round + 1}, {count} instance(s): {rate:F0} calls/s");
    }
}

var one = Median(results[1]);
Console.WriteLine();
Console.WriteLine("| instances | calls/s (median) | vs 1 instance |");
Console.WriteLine("|---|---|---|");
foreach (var count in counts)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {count} | {Median(results[count]):F0} | {Median(results[count]) / one:F2}× |"));
}

return 0;

async Task<double> RunAsync(int count)
{
    var connection = pg.CreateDatabase();
    var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
    builder.Services.AddKissTracking(kiss => kiss.UseApiKey(OutboxShop.ApiKey).UseEndpoint(endpointUri).MapCustomers());
    builder.Services.AddDbContext<OutboxShopContext>((sp, db) => db.UseNpgsql(connection).UseKissTracking(sp));
    using (var writer = builder.Build())
    {
        using var scope = writer.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<OutboxShopContext>();
        await db.Database.EnsureCreatedAsync();
        for (var i = 0; i < calls; i += 100)
        {
            db.Customers.AddRange(Enumerable.Range(i, Math.Min(100, calls - i)).Select(n => new OutboxCustomer { Email = $"c{n}@bench.test", Name = $"Customer {n}" }));
            await db.SaveChangesAsync();
            db.ChangeTracker.Clear();
        }
    }

    var before = Interlocked.Read(ref answered);
    var processes = new List<Process>();
    try
    {
        var started = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
            foreach (var arg in new[] { host, connection, endpointUri.AbsoluteUri, "60000", "1000" })
            {
                start.ArgumentList.Add(arg);
            }

            var process = Process.Start(start)!;
            processes.Add(process);
            var ready = new TaskCompletionSource();
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data?.StartsWith("STARTED", StringComparison.Ordinal) == true)
                {
                    ready.TrySetResult();
                }
            };
            process.BeginOutputReadLine();
            started.Add(ready.Task);
        }

        await Task.WhenAll(started).WaitAsync(TimeSpan.FromMinutes(1));
        var from = Interlocked.Read(ref answered);
        var clock = Stopwatch.StartNew();
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        while (Interlocked.Read(ref answered) - before < calls)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"{Interlocked.Read(ref answered) - before} of {calls} calls arrived in 5 minutes");
            }

            await tick.WaitForNextTickAsync();
        }

        return (before + calls - from) / clock.Elapsed.TotalSeconds;
    }
    finally
    {
        foreach (var process in processes)
        {
            process.StandardInput.Close();
        }

        foreach (var process in processes)
        {
            if (!process.WaitForExit(20_000))
            {
                process.Kill();
            }

            process.Dispose();
        }
    }
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

int? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : null;
