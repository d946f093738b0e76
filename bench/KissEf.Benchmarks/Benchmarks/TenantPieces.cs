using KissEf.Benchmarks.Infrastructure;
using KissEf.Internal.Outbox;
using KissEf.Internal.Outbox.Dispatch;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Benchmarks.Benchmarks;

/// <summary>
/// Profiling aid for issue 17's bench (<c>profile tenant-pieces N</c>): what a tenant database costs the dispatcher
/// whatever its calls, one piece at a time, over 100 tenant SQLite files with empty outboxes (tmpfs), serially, in
/// process CPU per tenant (medians of the second half of N rounds): a context in a scope entered for the tenant,
/// the read an empty claim makes (pooled connection warm, or cold: a new SQLite handle), the settle's DELETE, a whole
/// FlushAsync of the empty tenants, and for scale the same scope, context and one query in a plain EF app, and
/// Microsoft.Data.Sqlite alone.
/// </summary>
public static class TenantPieces
{
    public static async Task<int> RunAsync(int rounds)
    {
        var folder = BenchPaths.NewTmpfsFolder("tenant-pieces");
        try
        {
            var empty = new DbFile(Path.Combine(folder, "empty.db"));
            BenchServices.CreateDatabase(empty);
            var files = new Dictionary<string, IBenchDatabase>();
            for (var i = 0; i < TenantDrainProbes.DefaultTenants; i++)
            {
                var file = new DbFile(Path.Combine(folder, $"t{i:D3}.db"));
                file.CopyFrom(empty);
                files[$"t{i:D3}"] = file;
            }

            var nowhere = new Uri("http://127.0.0.1:9/");
            using var services = BenchServices.BuildTenants(files, nowhere);
            using var plain = BenchServices.Build(Tracking.Off, files["t000"]);
            var dispatcher = (KissOutboxDispatcher)services.GetRequiredService<IKissDispatcher>();
            await dispatcher.FlushAsync();
            var targets = dispatcher.Targets.Known.ToArray();
            var providers = services.GetRequiredService<IKissOutboxProviders>();

            async Task EachTarget(Func<KissOwnContext, Task> work)
            {
                foreach (var target in targets)
                {
                    var own = await target.OpenAsync(CancellationToken.None);
                    await using (own)
                    {
                        await work(own);
                    }
                }
            }

            Task EmptyClaims() => EachTarget(own => KissOutboxStore.ClaimAsync(providers, own.Db, "pieces", 1, 2, 20, CancellationToken.None));

            var steps = new (string Name, bool Cold, Func<Task> Run)[]
            {
                ("scope, tenant entered, context", false, () => EachTarget(_ => Task.CompletedTask)),
                ("+ an empty claim's read, pool warm", false, EmptyClaims),
                ("+ an empty claim's read, new handle", true, EmptyClaims),
                ("+ the settle's DELETE, pool warm", false, () => EachTarget(own => KissOutboxStore.DeleteAsync(own.Db, "pieces", [1L], CancellationToken.None))),
                ("FlushAsync, empty outboxes, pool warm", false, () => dispatcher.FlushAsync()),
                ("FlushAsync, empty outboxes, new handles", true, () => dispatcher.FlushAsync()),
                ("plain EF: scope, context, AnyAsync", false, async () =>
                {
                    foreach (var _ in targets)
                    {
                        using var scope = plain.CreateScope();
                        await scope.ServiceProvider.GetRequiredService<Model.BenchContext>().Customers.AnyAsync(c => c.Visits <= 3);
                    }
                }),
                ("Microsoft.Data.Sqlite: open, SELECT 1", false, () =>
                {
                    foreach (var file in files.Values)
                    {
                        using var connection = file.Connect();
                        using var command = connection.CreateCommand();
                        command.CommandText = "SELECT 1";
                        command.ExecuteScalar();
                    }

                    return Task.CompletedTask;
                }),
            };

            var perTenant = steps.Select(_ => new List<double>()).ToArray();
            for (var round = 0; round < rounds; round++)
            {
                for (var s = 0; s < steps.Length; s++)
                {
                    if (steps[s].Cold)
                    {
                        SqliteConnection.ClearAllPools();
                    }

                    GC.Collect();
                    var cpu = ProcessCpuClock.Now();
                    await steps[s].Run();
                    if (round >= rounds / 2)
                    {
                        perTenant[s].Add((ProcessCpuClock.Now() - cpu) / 1e3 / targets.Length);
                    }
                }
            }

            Console.WriteLine($"process CPU per tenant database ({targets.Length} tenants, median of {perTenant[0].Count} rounds; load average {MachineInfo.LoadAverage}):");
            for (var s = 0; s < steps.Length; s++)
            {
                Console.WriteLine($"  {steps[s].Name,-42} {SaveProbes.Median(perTenant[s]),6:F0} µs (lowest {perTenant[s].Min():F0})");
            }

            return 0;
        }
        finally
        {
            BenchPaths.TryDelete(folder);
        }
    }
}
