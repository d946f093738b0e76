using BenchmarkDotNet.Attributes;
using KissEf.Benchmarks.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Benchmarks.Benchmarks;

/// <summary>
/// Benchmark 6 of issue 4: draining 10,000 outbox calls to a Kestrel endpoint on 127.0.0.1 with
/// <see cref="IKissDispatcher.FlushAsync"/>, against a plain HttpClient loop sending the same 10,000 URLs with the
/// same concurrency. The outbox is filled once, by committing saves with no dispatcher running; each iteration
/// drains a fresh copy of that database.
/// </summary>
[MemoryDiagnoser(displayGenColumns: false)]
public class DrainBenchmarks
{
    public const int Calls = 10_000;

    private string? _folder;
    private TrackingEndpoint? _endpoint;
    private DbFile? _template;
    private DbFile? _work;
    private ServiceProvider? _services;
    private IKissDispatcher? _dispatcher;
    private HttpClient? _http;
    private string[] _urls = [];
    private string[] _lines = [];
    private long _requestsBefore;
    private bool _kiss;
    private static int _warmedUp;

    /// <summary>Most warm-up passes of each loop (once per process; fewer when the JIT settles sooner).</summary>
    public static int WarmUpPasses { get; set; } = 30;

    /// <summary>The outbox's call lines (set up by GlobalSetup).</summary>
    public IReadOnlyList<string> Lines => _lines;

    /// <summary>The tracking endpoint (set up by GlobalSetup).</summary>
    public Uri EndpointUri => _endpoint!.Uri;

    /// <summary>Calls sent at once, in both loops (KissTrackingOptions.MaxConcurrency, default 4).</summary>
    public int Concurrency { get; set; } = new KissTrackingOptions().MaxConcurrency;

    [GlobalSetup]
    public void GlobalSetup()
    {
        _folder = BenchPaths.NewFolder("drain");
        _endpoint = TrackingEndpoint.StartAsync().GetAwaiter().GetResult();
        _template = new DbFile(Path.Combine(_folder, "template.db"));
        _work = new DbFile(Path.Combine(_folder, "work.db"));
        FillOutbox(_template, _endpoint.Uri, Calls);

        // The same URLs the dispatcher sends: KissApiKeyHandler puts _k first in the query.
        _lines = [.. _template.OutboxLines()];
        _urls = [.. _lines.Select(line => new Uri(_endpoint.Uri, line[0] + "?_k=" + BenchServices.ApiKey + "&" + line[2..]).AbsoluteUri)];
        if (_urls.Length != Calls)
        {
            throw new InvalidOperationException($"The outbox holds {_urls.Length} calls, not {Calls}.");
        }

        _services = BenchServices.Build(Tracking.Outbox, _work, _endpoint.Uri);
        _dispatcher = _services.GetRequiredService<IKissDispatcher>();
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
        WarmUpOnce();
    }

    /// <summary>
    /// Runs both loops, alternately, until tiered compilation has settled (a pass pair compiles fewer than 20
    /// methods) or <see cref="WarmUpPasses"/> is reached: a 10,000-call drain is too short for the JIT to finish
    /// with KissEf's, EF's, HttpClient's and Kestrel's code in BenchmarkDotNet's few warm-up iterations, and the
    /// rejits would be timed.
    /// </summary>
    private void WarmUpOnce()
    {
        if (Interlocked.Exchange(ref _warmedUp, 1) == 1)
        {
            return;
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var quiet = 0;
        var pass = 0;
        for (; pass < WarmUpPasses && quiet < 2; pass++)
        {
            var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
            Prepare(kiss: false);
            SendPlainAsync().GetAwaiter().GetResult();
            Verify();
            Prepare(kiss: true);
            FlushAsync().GetAwaiter().GetResult();
            Verify();
            quiet = System.Runtime.JitInfo.GetCompiledMethodCount() - jitted < 20 ? quiet + 1 : 0;
        }

        Console.WriteLine($"// Drain warm-up: {pass} pass pair(s) in {watch.Elapsed.TotalSeconds:F1} s, JIT {(quiet >= 2 ? "settled" : "still compiling")}");
    }

    [GlobalCleanup]
    public void GlobalCleanup()
    {
        _http?.Dispose();
        _services?.Dispose();
        _endpoint?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (_folder is not null)
        {
            BenchPaths.TryDelete(_folder);
        }
    }

    [IterationSetup(Target = nameof(PlainHttpClient))]
    public void SetupPlain() => Prepare(kiss: false);

    [IterationSetup(Target = nameof(KissEf_FlushAsync))]
    public void SetupKiss() => Prepare(kiss: true);

    [IterationCleanup]
    public void IterationCleanup() => Verify();

    [Benchmark(Baseline = true, Description = "plain HttpClient loop, 10,000 URLs")]
    public Task PlainHttpClient() => SendPlainAsync();

    [Benchmark(Description = "IKissDispatcher.FlushAsync, 10,000 outbox calls")]
    public Task KissEf_FlushAsync() => _dispatcher!.FlushAsync();

    /// <summary>Creates <paramref name="db"/> and commits saves of Customers (2 calls each) with no dispatcher running.</summary>
    public static void FillOutbox(IBenchDatabase db, Uri endpoint, int calls)
    {
        BenchServices.CreateDatabase(db);
        using (var services = BenchServices.Build(Tracking.Outbox, db, endpoint))
        {
            BenchServices.InsertCustomers(services, 0, calls / 2);
        }

        var stored = db.OutboxCalls();
        if (stored != calls)
        {
            throw new InvalidOperationException($"Filling the outbox stored {stored} calls, not {calls}.");
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    public void Prepare(bool kiss)
    {
        _kiss = kiss;
        if (kiss)
        {
            _work!.CopyFrom(_template!);
        }

        _requestsBefore = _endpoint!.Requests;
    }

    public Task SendPlainAsync() => Parallel.ForEachAsync(
        _urls,
        new ParallelOptions { MaxDegreeOfParallelism = Concurrency },
        async (url, token) =>
        {
            using var response = await _http!.GetAsync(url, token);
            response.EnsureSuccessStatusCode();
        });

    public Task FlushAsync() => _dispatcher!.FlushAsync();

    /// <summary>For the breakdown: the same lines through KissEf's sender (its HttpClient pipeline), no database.</summary>
    public Task SendThroughKissSenderAsync()
    {
        var sender = _services!.GetRequiredService<KissEf.Internal.Protocol.KissHttpSender>();
        var client = sender.CreateClient();
        return Parallel.ForEachAsync(
            _lines,
            new ParallelOptions { MaxDegreeOfParallelism = Concurrency },
            async (line, token) =>
            {
                var result = await sender.SendAsync(client, line.AsMemory(), token);
                if (!result.Delivered)
                {
                    throw new InvalidOperationException(result.Error);
                }
            });
    }

    /// <summary>For the breakdown: the requests go through the plain client (no requests are counted twice).</summary>
    public void PrepareSendOnly() => _requestsBefore = _endpoint!.Requests;

    public void Verify()
    {
        var sent = _endpoint!.Requests - _requestsBefore;
        if (sent != Calls)
        {
            throw new InvalidOperationException($"{(_kiss ? "KissEf" : "plain loop")}: the endpoint got {sent} requests, not {Calls}.");
        }

        if (_kiss && _work!.OutboxCalls() != 0)
        {
            throw new InvalidOperationException($"KissEf left {_work.OutboxCalls()} calls in the outbox.");
        }
    }
}
