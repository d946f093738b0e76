using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using KissEf.Benchmarks.Infrastructure;
using KissEf.Benchmarks.Model;
using KissEf.Internal.Direct;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Benchmarks.Benchmarks;

/// <summary>
/// Benchmarks 1-5 of issue 4: the cost of KissEf inside SaveChanges, against the same save with no
/// UseKissTracking, on a SQLite file. Each iteration starts from a fresh copy of a template database and a fresh
/// context whose entities are already added (or loaded and modified), with its connection open: the measured part
/// is SaveChanges alone (DetectChanges, capture, the INSERTs/UPDATEs, the outbox write, the commit).
/// With <see cref="Postgres"/> set, scenarios 1-2 (the mapped inserts) run on a database of that server instead,
/// emptied (TRUNCATE) before each save; the other scenarios are SQLite's only.
/// </summary>
[MemoryDiagnoser(displayGenColumns: false)]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SaveBenchmarks
{
    public const string MappedCategory = "1-2 insert mapped";
    public const string UnmappedCategory = "3 insert unmapped";
    public const string ModifiedCategory = "4 modify, OnChanged 10%";
    public const string VisitorCategory = "5 insert, 1 event/entity";

    private string? _folder;
    private DbFile? _empty;
    private DbFile? _customers;
    private DbFile? _work;
    private ServiceProvider? _off;
    private ServiceProvider? _outbox;
    private ServiceProvider? _direct;
    private KissCallQueue? _queue;
    private IServiceScope? _scope;
    private BenchContext? _db;
    private SaveScenario _scenario;
    private PgDatabase? _pg;
    private static int _warmedUp;
    private static int _warmedUpPostgres;

    /// <summary>The scenarios on PostgreSQL: the mapped inserts (rows 1-2).</summary>
    public static readonly SaveScenario[] PostgresScenarios = [SaveScenario.MappedOff, SaveScenario.MappedOutbox, SaveScenario.MappedDirect];

    /// <summary>When set, the saves run on a new database of this PostgreSQL server rather than on SQLite files.</summary>
    public PgServer? Postgres { get; init; }

    private IBenchDatabase Work => (IBenchDatabase?)_pg ?? _work!;

    /// <summary>Entities per save (1,000 in every benchmark; the allocation probes vary it).</summary>
    public int Entities { get; set; } = 1000;

    [GlobalSetup]
    public void GlobalSetup()
    {
        _folder = BenchPaths.NewFolder("save");
        _empty = new DbFile(Path.Combine(_folder, "empty.db"));
        _customers = new DbFile(Path.Combine(_folder, "customers.db"));
        _work = new DbFile(Path.Combine(_folder, "work.db"));
        if (Postgres is { } server)
        {
            _pg = new PgDatabase(server.CreateDatabase());
            BenchServices.CreateDatabase(_pg);
        }
        else
        {
            BenchServices.CreateDatabase(_empty);
            BenchServices.CreateDatabase(_customers, customers: 2000);
        }

        _off = BenchServices.Build(Tracking.Off, Work);
        _outbox = BenchServices.Build(Tracking.Outbox, Work);
        _direct = BenchServices.Build(Tracking.Direct, Work);
        _queue = _direct.GetRequiredService<KissCallQueue>();
        WarmUpOnce();
    }

    /// <summary>
    /// Runs every scenario often enough, once per process, for tiered compilation to finish with EF's and KissEf's
    /// code: one SaveChanges per iteration is too few calls for BenchmarkDotNet's warm-up to get there, and the
    /// first benchmark of the run would otherwise be timed on unoptimized code.
    /// </summary>
    private void WarmUpOnce()
    {
        if (Interlocked.Exchange(ref (_pg is null ? ref _warmedUp : ref _warmedUpPostgres), 1) == 1)
        {
            return;
        }

        var entities = Entities;
        Entities = 100;
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 25; i++)
            {
                foreach (var scenario in _pg is null ? Enum.GetValues<SaveScenario>() : PostgresScenarios)
                {
                    Prepare(scenario);
                    Save();
                    Finish(verify: true);
                }
            }

            // Tier-1 code is compiled in the background, after a quiet delay.
            Thread.Sleep(300);
        }

        Entities = entities;
    }

    [GlobalCleanup]
    public void GlobalCleanup()
    {
        Finish(verify: false);
        _off?.Dispose();
        _outbox?.Dispose();
        _direct?.Dispose();
        if (_folder is not null)
        {
            BenchPaths.TryDelete(_folder);
        }
    }

    [IterationSetup(Target = nameof(Mapped_TrackingOff))]
    public void SetupMappedOff() => Prepare(SaveScenario.MappedOff);

    [IterationSetup(Target = nameof(Mapped_Outbox))]
    public void SetupMappedOutbox() => Prepare(SaveScenario.MappedOutbox);

    [IterationSetup(Target = nameof(Mapped_Direct))]
    public void SetupMappedDirect() => Prepare(SaveScenario.MappedDirect);

    [IterationSetup(Target = nameof(Unmapped_TrackingOff))]
    public void SetupUnmappedOff() => Prepare(SaveScenario.UnmappedOff);

    [IterationSetup(Target = nameof(Unmapped_TrackingOn))]
    public void SetupUnmappedOn() => Prepare(SaveScenario.UnmappedOn);

    [IterationSetup(Target = nameof(Modified_TrackingOff))]
    public void SetupModifiedOff() => Prepare(SaveScenario.ModifiedOff);

    [IterationSetup(Target = nameof(Modified_Outbox))]
    public void SetupModifiedOutbox() => Prepare(SaveScenario.ModifiedOutbox);

    [IterationSetup(Target = nameof(Visitor_TrackingOff))]
    public void SetupVisitorOff() => Prepare(SaveScenario.VisitorOff);

    [IterationSetup(Target = nameof(Visitor_Direct))]
    public void SetupVisitorDirect() => Prepare(SaveScenario.VisitorDirect);

    [IterationCleanup]
    public void IterationCleanup() => Finish(verify: true);

    [BenchmarkCategory(MappedCategory)]
    [Benchmark(Baseline = true, Description = "insert 1,000 mapped, tracking off")]
    public int Mapped_TrackingOff() => Save();

    [BenchmarkCategory(MappedCategory)]
    [Benchmark(Description = "insert 1,000 mapped, outbox")]
    public int Mapped_Outbox() => Save();

    [BenchmarkCategory(MappedCategory)]
    [Benchmark(Description = "insert 1,000 mapped, direct (dry run)")]
    public int Mapped_Direct() => Save();

    [BenchmarkCategory(UnmappedCategory)]
    [Benchmark(Baseline = true, Description = "insert 1,000 unmapped, tracking off")]
    public int Unmapped_TrackingOff() => Save();

    [BenchmarkCategory(UnmappedCategory)]
    [Benchmark(Description = "insert 1,000 unmapped, tracking on")]
    public int Unmapped_TrackingOn() => Save();

    [BenchmarkCategory(ModifiedCategory)]
    [Benchmark(Baseline = true, Description = "modify 1,000, tracking off")]
    public int Modified_TrackingOff() => Save();

    [BenchmarkCategory(ModifiedCategory)]
    [Benchmark(Description = "modify 1,000 (10% Plan), outbox")]
    public int Modified_Outbox() => Save();

    [BenchmarkCategory(VisitorCategory)]
    [Benchmark(Baseline = true, Description = "insert 1,000 visitors, tracking off")]
    public int Visitor_TrackingOff() => Save();

    [BenchmarkCategory(VisitorCategory)]
    [Benchmark(Description = "insert 1,000 visitors, direct (dry run)")]
    public int Visitor_Direct() => Save();

    /// <summary>Calls a scenario produces for <paramref name="entities"/> entities.</summary>
    public static int ExpectedCalls(SaveScenario scenario, int entities) => scenario switch
    {
        SaveScenario.MappedOutbox or SaveScenario.MappedDirect => 2 * entities,
        SaveScenario.ModifiedOutbox => (entities + 9) / 10,
        SaveScenario.VisitorDirect => entities,
        _ => 0,
    };

    /// <summary>A fresh database and context, entities added (or loaded and modified), connection open.</summary>
    public void Prepare(SaveScenario scenario)
    {
        Finish(verify: false);
        _scenario = scenario;
        var modified = scenario is SaveScenario.ModifiedOff or SaveScenario.ModifiedOutbox;
        if (_pg is not null)
        {
            if (!PostgresScenarios.Contains(scenario))
            {
                throw new NotSupportedException($"{scenario} runs on SQLite only.");
            }

            _pg.Truncate();
        }
        else
        {
            _work!.CopyFrom(modified ? _customers! : _empty!);
        }

        var services = scenario switch
        {
            SaveScenario.MappedOutbox or SaveScenario.UnmappedOn or SaveScenario.ModifiedOutbox => _outbox!,
            SaveScenario.MappedDirect or SaveScenario.VisitorDirect => _direct!,
            _ => _off!,
        };
        _scope = services.CreateScope();
        _db = _scope.ServiceProvider.GetRequiredService<BenchContext>();
        _db.Database.OpenConnection();
        switch (scenario)
        {
            case SaveScenario.MappedOff or SaveScenario.MappedOutbox or SaveScenario.MappedDirect:
                for (var i = 0; i < Entities; i++)
                {
                    _db.Customers.Add(Customer.Create(i));
                }

                break;
            case SaveScenario.UnmappedOff or SaveScenario.UnmappedOn:
                for (var i = 0; i < Entities; i++)
                {
                    _db.Orders.Add(Order.Create(i));
                }

                break;
            case SaveScenario.VisitorOff or SaveScenario.VisitorDirect:
                for (var i = 0; i < Entities; i++)
                {
                    _db.Visitors.Add(Visitor.Create(i));
                }

                break;
            default:
                // Every entity is modified; the watched member (Plan) changes on one in ten.
                var customers = _db.Customers.OrderBy(c => c.Id).Take(Entities).ToList();
                for (var i = 0; i < customers.Count; i++)
                {
                    if (i % 10 == 0)
                    {
                        customers[i].Plan = customers[i].Plan == "pro" ? "basic" : "pro";
                    }
                    else
                    {
                        customers[i].Visits++;
                    }
                }

                break;
        }
    }

    /// <summary>The measured part.</summary>
    public int Save() => _db!.SaveChanges();

    /// <summary>Checks the save did what it should (KissEf never fails a save: a silent failure would flatter it), then disposes.</summary>
    public void Finish(bool verify)
    {
        if (_db is null)
        {
            return;
        }

        var queued = 0;
        while (_queue!.Reader.TryRead(out _))
        {
            queued++;
        }

        _db.Dispose();
        _scope!.Dispose();
        _db = null;
        _scope = null;
        if (verify)
        {
            var expected = ExpectedCalls(_scenario, Entities);
            var direct = _scenario is SaveScenario.MappedDirect or SaveScenario.VisitorDirect;
            var actual = direct ? queued : Work.OutboxCalls();
            if (actual != expected || (!direct && queued != 0))
            {
                throw new InvalidOperationException($"{_scenario}: expected {expected} calls, found {actual} (queued {queued}).");
            }
        }
    }
}
