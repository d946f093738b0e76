using System.Diagnostics;
using KissEf.Benchmarks.Infrastructure;
using KissEf.Benchmarks.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Benchmarks.Benchmarks;

/// <summary>
/// Issue 18, item 4: what a save costs when its calls read a navigation the application did not load (eShop's
/// <c>HasIdentity(o =&gt; o.Buyer.IdentityGuid)</c>), which KissEf then loads (one query for the save). Three arms,
/// interleaved (their order rotates from one round to the next): the SaveChanges of 1,000 modified orders of 100
/// buyers with the buyers not loaded; the same save with the buyers loaded (<c>Include</c>, before the timed part);
/// and the same save without KissEf. Each save runs on a fresh copy of a template SQLite file, outbox delivery; the
/// timed part is SaveChanges alone (saving thread's CPU and wall clock).
/// </summary>
public static class NavigationLoadProbes
{
    public const int Orders = 1000;
    public const int Buyers = 100;

    public static NavigationLoadResult Interleaved(int rounds)
    {
        var folder = BenchPaths.NewFolder("navload");
        try
        {
            var template = new DbFile(Path.Combine(folder, "template.db"));
            var work = new DbFile(Path.Combine(folder, "work.db"));
            using var kiss = Build(work, tracked: true);
            using var plain = Build(work, tracked: false);
            Seed(template);

            (double Wall, double Cpu) Time(Arm arm)
            {
                work.CopyFrom(template);
                using var scope = (arm == Arm.Plain ? plain : kiss).CreateScope();
                var db = scope.ServiceProvider.GetRequiredService<NavContext>();
                db.Database.OpenConnection();
                var orders = arm == Arm.Loaded ? db.Purchases.Include(p => p.Buyer).ToList() : db.Purchases.ToList();
                foreach (var order in orders)
                {
                    order.Status = "shipped";
                }

                GC.Collect();
                GC.WaitForPendingFinalizers();
                var cpu = ThreadCpuClock.Now();
                var watch = Stopwatch.StartNew();
                db.SaveChanges();
                watch.Stop();
                cpu = ThreadCpuClock.Now() - cpu;

                // KissEf never fails a save: a call lost for a null identity would flatter the unloaded arm.
                var calls = work.OutboxCalls();
                if (calls != (arm == Arm.Plain ? 0 : Orders))
                {
                    throw new InvalidOperationException($"{arm}: {calls} calls in the outbox, expected {(arm == Arm.Plain ? 0 : Orders)}.");
                }

                return (watch.Elapsed.TotalMilliseconds, cpu / 1e6);
            }

            Arm[] arms = [Arm.NotLoaded, Arm.Loaded, Arm.Plain];
            for (var i = 0; i < 5; i++)
            {
                foreach (var arm in arms)
                {
                    Time(arm);
                }
            }

            var times = arms.ToDictionary(a => a, _ => new List<(double Wall, double Cpu)>());
            var versusLoaded = new List<double>();
            var versusPlain = new List<double>();
            var wallVersusLoaded = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                var run = new Dictionary<Arm, (double Wall, double Cpu)>();
                for (var k = 0; k < arms.Length; k++)
                {
                    var arm = arms[(round + k) % arms.Length];
                    run[arm] = Time(arm);
                    times[arm].Add(run[arm]);
                }

                versusLoaded.Add(run[Arm.NotLoaded].Cpu / run[Arm.Loaded].Cpu);
                versusPlain.Add(run[Arm.NotLoaded].Cpu / run[Arm.Plain].Cpu);
                wallVersusLoaded.Add(run[Arm.NotLoaded].Wall / run[Arm.Loaded].Wall);
            }

            double Cpu(Arm arm) => SaveProbes.Median(times[arm].Select(t => t.Cpu));
            return new NavigationLoadResult(
                rounds,
                SaveProbes.Median(versusLoaded),
                SaveProbes.Median(wallVersusLoaded),
                SaveProbes.Median(versusPlain),
                Cpu(Arm.NotLoaded),
                Cpu(Arm.Loaded),
                Cpu(Arm.Plain));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            BenchPaths.TryDelete(folder);
        }
    }

    private static ServiceProvider Build(DbFile db, bool tracked)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        if (tracked)
        {
            services.AddKissTracking(kiss => kiss.UseDryRun().Entity<NavPurchase>(p =>
            {
                p.HasIdentity(x => x.Buyer!.IdentityGuid);
                p.OnChanged(x => x.Status).Record("Order Status Changed").With("status", x => x.Status);
            }));
        }

        services.AddDbContext<NavContext>((sp, options) =>
        {
            db.Use(options);
            if (tracked)
            {
                options.UseKissTracking(sp);
            }
        });
        return services.BuildServiceProvider();
    }

    /// <summary>The template: the tables (the outbox's included), 100 buyers and 1,000 orders, 10 per buyer.</summary>
    private static void Seed(DbFile template)
    {
        template.Delete();
        using var services = Build(template, tracked: true);
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<NavContext>();
        db.Database.EnsureCreated();
        var buyers = Enumerable.Range(0, Buyers).Select(i => new NavBuyer { IdentityGuid = Guid.NewGuid().ToString() }).ToList();
        db.Purchases.AddRange(Enumerable.Range(0, Orders).Select(i => new NavPurchase { Buyer = buyers[i % Buyers] }));
        db.SaveChanges();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    private enum Arm
    {
        NotLoaded,
        Loaded,
        Plain,
    }
}

/// <summary>The navigation-load probe: median ratios of the unloaded save's CPU (and wall) to the loaded one's and to plain EF's, and the medians in ms.</summary>
public sealed record NavigationLoadResult(int Rounds, double CpuVersusLoaded, double WallVersusLoaded, double CpuVersusPlain, double NotLoadedMs, double LoadedMs, double PlainMs);
