using System.Diagnostics;
using System.Globalization;
using KissEf.Benchmarks.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace KissEf.Benchmarks.Benchmarks;

/// <summary>
/// Issue 17's bench: <see cref="IKissDispatcher.FlushAsync"/> draining N outbox calls held by a database per tenant
/// (<see cref="BenchServices.BuildTenants"/>: <c>UseTenants</c>, each tenant's contexts on its own database), against
/// the same N calls in one database, to the Kestrel endpoint on 127.0.0.1 in this process. One database's saves of
/// customers (no dispatcher running) write the rows; the tenants' databases get those very rows, split in contiguous
/// runs (<see cref="OutboxRows.Split"/>). Each flush drains fresh copies (SQLite: files on tmpfs copied from the filled
/// ones; PostgreSQL: the outbox put back from a copy table), in interleaved pairs (single, tenants, tenants, single,
/// ...) after a JIT warm-up; the tenants' targets are known by then (the first flush, timed apart, enters every
/// tenant), as in a dispatcher that has been running.
/// </summary>
public sealed class TenantDrainProbes : IAsyncDisposable
{
    public const int DefaultCalls = 10_000;

    public const int DefaultTenants = 100;

    /// <summary>The PostgreSQL server's max_connections for <paramref name="tenants"/> databases: each keeps its pooled connections (one or two) from one flush to the next.</summary>
    public static int MaxConnections(int tenants) => 100 + (4 * tenants);

    private readonly string _folder;
    private readonly TrackingEndpoint _endpoint;
    private readonly int _calls;
    private Databases? _single;
    private Databases? _tenants;
    private ServiceProvider? _singleServices;
    private ServiceProvider? _tenantServices;

    private readonly PgServer? _postgres;

    private TenantDrainProbes(string folder, TrackingEndpoint endpoint, int calls, PgServer? postgres)
    {
        _folder = folder;
        _endpoint = endpoint;
        _calls = calls;
        _postgres = postgres;
    }

    /// <summary>Fills both sides' databases and builds both applications (the tenants' not flushed yet).</summary>
    /// <param name="calls">Calls on each side.</param>
    /// <param name="tenants">Tenant databases sharing them.</param>
    /// <param name="postgres">The server of the PostgreSQL variant; null for SQLite files.</param>
    /// <param name="warm">
    /// SQLite: put the outboxes back with SQL (as on PostgreSQL) rather than by copying the files, so that the pooled
    /// connections stay open from one flush to the next, as in a dispatcher that has been running.
    /// </param>
    public static async Task<TenantDrainProbes> CreateAsync(int calls, int tenants, PgServer? postgres = null, bool warm = false)
    {
        var probes = new TenantDrainProbes(BenchPaths.NewTmpfsFolder("tenant-drain"), await TrackingEndpoint.StartAsync(), calls, postgres);
        try
        {
            var uri = probes._endpoint.Uri;
            (probes._single, probes._tenants) = postgres is null ? Sqlite(probes._folder, uri, calls, tenants, warm) : Postgres(postgres, uri, calls, tenants);
            probes._singleServices = BenchServices.Build(Tracking.Outbox, probes._single.Work[0], uri);
            var ids = probes._tenants.Work.Select((db, i) => (Id: "t" + i.ToString("D3", CultureInfo.InvariantCulture), Db: db)).ToDictionary(t => t.Id, t => t.Db);
            probes._tenantServices = BenchServices.BuildTenants(ids, uri);
            return probes;
        }
        catch
        {
            await probes.DisposeAsync();
            throw;
        }
    }

    public static async Task<TenantDrainResult> InterleavedAsync(int pairs, int calls, int tenants, PgServer? postgres = null, bool warm = false)
    {
        await using var probes = await CreateAsync(calls, tenants, postgres, warm);
        var first = await probes.FlushAsync(tenants: true);
        var warmUp = await EndToEndProbes.WarmUpAsync(async () =>
        {
            await probes.FlushAsync(tenants: false);
            await probes.FlushAsync(tenants: true);
        });

        var single = new List<FlushTime>();
        var tenanted = new List<FlushTime>();
        for (var i = 0; i < pairs; i++)
        {
            if (i % 2 == 0)
            {
                single.Add(await probes.FlushAsync(tenants: false));
                tenanted.Add(await probes.FlushAsync(tenants: true));
            }
            else
            {
                tenanted.Add(await probes.FlushAsync(tenants: true));
                single.Add(await probes.FlushAsync(tenants: false));
            }
        }

        var ratios = single.Zip(tenanted, (s, t) => s.WallMs / t.WallMs).ToList();
        double PerSecond(List<FlushTime> flushes) => calls / (SaveProbes.Median(flushes.Select(f => f.WallMs)) / 1e3);
        double MicrosPerCall(List<FlushTime> flushes, Func<FlushTime, double> ms) => SaveProbes.Median(flushes.Select(ms)) * 1e3 / calls;
        return new TenantDrainResult(
            (postgres is null ? "SQLite" : "PostgreSQL") + (warm ? " (pools kept warm)" : string.Empty), calls, tenants, pairs,
            SaveProbes.Median(ratios), ratios.Min(), ratios.Max(),
            PerSecond(single), PerSecond(tenanted), MicrosPerCall(single, f => f.CpuMs), MicrosPerCall(tenanted, f => f.CpuMs),
            SaveProbes.Median(tenanted.Zip(single, (t, s) => t.CpuMs / s.CpuMs)),
            MicrosPerCall(single, f => f.ServerCpuMs), MicrosPerCall(tenanted, f => f.ServerCpuMs),
            first.WallMs, warmUp);
    }

    /// <summary>
    /// Puts one side's outboxes back as filled (not timed), then times its <see cref="IKissDispatcher.FlushAsync"/>: wall
    /// clock, process CPU and (PostgreSQL) the server's CPU, in ms. Throws unless every call reached the endpoint and the
    /// outboxes are empty.
    /// </summary>
    public async Task<FlushTime> FlushAsync(bool tenants)
    {
        var side = tenants ? _tenants! : _single!;
        side.Restore();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var requests = _endpoint.Requests;
        var server = _postgres?.CpuMs() ?? double.NaN;
        var cpu = ProcessCpuClock.Now();
        var watch = Stopwatch.StartNew();
        await (tenants ? _tenantServices! : _singleServices!).GetRequiredService<IKissDispatcher>().FlushAsync();
        watch.Stop();
        var used = (ProcessCpuClock.Now() - cpu) / 1e6;
        server = (_postgres?.CpuMs() ?? double.NaN) - server;
        var sent = _endpoint.Requests - requests;
        var left = side.Work.Sum(db => db.OutboxCalls());
        if (sent != _calls || left != 0)
        {
            throw new InvalidOperationException($"{side.Name}: the endpoint got {sent} requests of {_calls}, {left} calls left in the outbox.");
        }

        return new FlushTime(watch.Elapsed.TotalMilliseconds, used, server);
    }

    public async ValueTask DisposeAsync()
    {
        _singleServices?.Dispose();
        _tenantServices?.Dispose();
        await _endpoint.DisposeAsync();
        BenchPaths.TryDelete(_folder);
    }

    /// <summary>SQLite files on tmpfs: one database's saves fill its template; the tenants' templates are copies of an empty one that get its rows.</summary>
    private static (Databases Single, Databases Tenants) Sqlite(string folder, Uri endpoint, int calls, int tenants, bool warm)
    {
        DbFile Db(string name) => new(Path.Combine(folder, name + ".db"));

        var single = Db("single-template");
        DrainBenchmarks.FillOutbox(single, endpoint, calls);
        var empty = Db("empty");
        BenchServices.CreateDatabase(empty);
        var templates = Enumerable.Range(0, tenants).Select(i => Db($"t{i:D3}-template")).ToArray();
        foreach (var template in templates)
        {
            template.CopyFrom(empty);
        }

        CheckSplit(OutboxRows.Split(single, templates), calls);
        if (JournalMode(single) != JournalMode(templates[0]))
        {
            // KissEf's own connections relax synchronous in WAL mode only: both sides must be in the same mode.
            throw new InvalidOperationException($"The single database is in {JournalMode(single)} mode, the tenants' in {JournalMode(templates[0])}.");
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var singleWork = Db("single");
        var tenantWork = Enumerable.Range(0, tenants).Select(i => Db($"t{i:D3}")).ToArray();
        void CopyTenants()
        {
            for (var i = 0; i < tenants; i++)
            {
                tenantWork[i].CopyFrom(templates[i]);
            }
        }

        if (warm)
        {
            singleWork.CopyFrom(single);
            CopyTenants();
            return InPlace(singleWork, tenantWork);
        }

        return (
            new Databases("one database", [singleWork], () => singleWork.CopyFrom(single)),
            new Databases($"{tenants} tenant databases", tenantWork, CopyTenants));
    }

    /// <summary>
    /// Databases on the bench's private PostgreSQL server: one filled by saves, the tenants' created from an empty
    /// template database and given its rows; each keeps a copy of its rows to put back before a flush.
    /// </summary>
    private static (Databases Single, Databases Tenants) Postgres(PgServer server, Uri endpoint, int calls, int tenants)
    {
        var single = new PgDatabase(server.CreateDatabase());
        DrainBenchmarks.FillOutbox(single, endpoint, calls);
        var empty = new PgDatabase(server.CreateDatabase());
        BenchServices.CreateDatabase(empty);
        NpgsqlConnection.ClearAllPools();
        var template = new NpgsqlConnectionStringBuilder(empty.ConnectionString).Database!;
        var tenantDbs = Enumerable.Range(0, tenants).Select(_ => new PgDatabase(server.CreateDatabase(template))).ToArray();
        CheckSplit(OutboxRows.Split(single, tenantDbs), calls);
        return InPlace(single, tenantDbs);
    }

    /// <summary>Both sides' databases, filled, each keeping a copy of its rows to put back before a flush (<see cref="OutboxRows.Restore"/>).</summary>
    private static (Databases Single, Databases Tenants) InPlace(IBenchDatabase single, IReadOnlyList<IBenchDatabase> tenantDbs)
    {
        OutboxRows.Snapshot(single);
        foreach (var db in tenantDbs)
        {
            OutboxRows.Snapshot(db);
        }

        return (
            new Databases("one database", [single], () => OutboxRows.Restore(single)),
            new Databases($"{tenantDbs.Count} tenant databases", tenantDbs, () =>
            {
                foreach (var db in tenantDbs)
                {
                    OutboxRows.Restore(db);
                }
            }));
    }

    private static string? JournalMode(DbFile db)
    {
        using var connection = db.Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        return command.ExecuteScalar() as string;
    }

    private static void CheckSplit(long[] split, int calls)
    {
        if (split.Sum() != calls || split.Any(c => c == 0))
        {
            throw new InvalidOperationException($"The tenants got {split.Sum()} calls of {calls} ({split.Count(c => c == 0)} got none): choose calls and tenants so that every tenant gets rows.");
        }
    }

    /// <summary>One side's databases, and how to put back their filled outboxes.</summary>
    private sealed record Databases(string Name, IReadOnlyList<IBenchDatabase> Work, Action Restore);
}

/// <summary>One flush: wall clock, this process's CPU and (PostgreSQL; NaN on SQLite) the server's CPU, in ms.</summary>
public readonly record struct FlushTime(double WallMs, double CpuMs, double ServerCpuMs);

/// <summary>
/// Interleaved drains of the same calls from tenant databases and from one database: the median, lowest and highest
/// per-pair throughput ratio (tenants/single), median calls/s and process CPU per call of each side (µs), the median
/// per-pair CPU ratio (tenants/single), the server's CPU per call (PostgreSQL; NaN on SQLite), and the first flush of
/// the tenants (every tenant entered) in ms.
/// </summary>
public sealed record TenantDrainResult(
    string Provider, int Calls, int Tenants, int Pairs,
    double Ratio, double RatioMin, double RatioMax,
    double SingleCallsPerSecond, double TenantCallsPerSecond, double SingleCpuUsPerCall, double TenantCpuUsPerCall,
    double CpuRatio, double SingleServerUsPerCall, double TenantServerUsPerCall, double FirstFlushMs, string WarmUp)
{
    /// <summary>The process CPU per call of both sides, and the server's when there is one.</summary>
    public string Cpu => FormattableString.Invariant($"process CPU {TenantCpuUsPerCall:F1} vs {SingleCpuUsPerCall:F1} µs per call ({CpuRatio:F2}×)")
        + (double.IsNaN(SingleServerUsPerCall) ? string.Empty : FormattableString.Invariant($"; server CPU {TenantServerUsPerCall:F1} vs {SingleServerUsPerCall:F1} µs per call"));

    public override string ToString() => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"{Provider}, {Calls:N0} calls, {Tenants} tenant databases vs one: throughput {Ratio:F2}× (median of {Pairs} pairs, {RatioMin:F2}-{RatioMax:F2}); "
        + $"{TenantCallsPerSecond:N0} vs {SingleCallsPerSecond:N0} calls/s; {Cpu}; "
        + $"first flush of the tenants (every tenant entered) {FirstFlushMs:F0} ms; warm-up {WarmUp}");
}
