using System.Diagnostics;
using System.Globalization;
using KissEf.Benchmarks.Infrastructure;
using KissEf.Benchmarks.Model;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KissEf.Benchmarks.Benchmarks;

/// <summary>
/// Issue 11's memory figure: a backfill streams. Each export (<see cref="IKissBackfill.ExportAsync{TEntity}(IQueryable{TEntity}, Stream, CancellationToken)"/>
/// of N customers to a file) runs in a child process of its own (this executable with <c>--backfill-child</c>),
/// which resets the kernel's peak-RSS mark after start-up and reports VmHWM: 1,000,000 rows against 100,000, target ≤ 1.2×.
/// The rows are written by the parent beforehand, with plain SQL.
/// </summary>
public static class BackfillMemory
{
    private const string Marker = "KISSEF-BACKFILL-MEMORY ";

    public static async Task<(long Small, long Large)> RunAsync(int small, int large, TextWriter log)
    {
        var folder = BenchPaths.NewFolder("backfill");
        try
        {
            var peaks = new Dictionary<int, long>();
            foreach (var size in new[] { small, large })
            {
                var db = new DbFile(Path.Combine(folder, $"rows-{size}.db"));
                var fill = Stopwatch.StartNew();
                Seed(db, size);
                var watch = Stopwatch.StartNew();
                var (peak, lines) = await RunChildAsync(db, size, Path.Combine(folder, $"export-{size}.jsonl"));
                if (lines != size)
                {
                    throw new InvalidOperationException($"The export of {size} rows wrote {lines} lines.");
                }

                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  exported {size,9:N0} rows (seeded in {fill.Elapsed.TotalSeconds - watch.Elapsed.TotalSeconds:F1} s) in {watch.Elapsed.TotalSeconds:F1} s: peak RSS {DrainMemory.Mb(peak)}"));
                peaks[size] = peak;
                db.Delete();
            }

            return (peaks[small], peaks[large]);
        }
        finally
        {
            BenchPaths.TryDelete(folder);
        }
    }

    /// <summary>The child: a host with KissEf and the context, one export, then the peak resident set since start-up.</summary>
    public static async Task<int> ChildAsync(string[] args)
    {
        var path = args[0];
        var output = args[1];
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        // An export needs no outbox: the rows were written before KissEf, and the file is the delivery.
        builder.Services.AddKissTracking(kiss => kiss
            .UseDryRun()
            .UseDirectDelivery()
            .Entity<Customer>(c =>
            {
                c.HasIdentity(x => x.Email);
                c.OnAdded().Record("Signed Up")
                    .With("plan", x => x.Plan)
                    .With("country", x => x.Country)
                    .At(x => new DateTimeOffset(x.LastSeen, TimeSpan.Zero));
            }));
        var connection = new SqliteConnectionStringBuilder { DataSource = path }.ToString();
        builder.Services.AddDbContext<BenchContext>((sp, db) => db.UseSqlite(connection).UseKissTracking(sp));
        using var host = builder.Build();
        await host.StartAsync();

        // What start-up took is not the backfill's: measure from here.
        var reset = DrainMemory.TryResetPeak();
        using (var scope = host.Services.CreateScope())
        await using (var file = File.Create(output))
        {
            var db = scope.ServiceProvider.GetRequiredService<BenchContext>();
            await host.Services.GetRequiredService<IKissBackfill>().ExportAsync(db.Customers, file);
        }

        var peak = DrainMemory.ReadStatus("VmHWM:");
        var lines = File.ReadLines(output).LongCount();
        await host.StopAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Marker}{peak} {lines} {reset}"));
        return 0;
    }

    /// <summary>Writes <paramref name="rows"/> customers with plain SQL, in one transaction (the table made by EnsureCreated).</summary>
    public static void Seed(DbFile db, int rows)
    {
        var options = new DbContextOptionsBuilder<BenchContext>().UseSqlite(db.ConnectionString).Options;
        using (var context = new BenchContext(options))
        {
            context.Database.EnsureCreated();
        }

        using var connection = new SqliteConnection(db.ConnectionString);
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO Customers (Email, Name, Plan, Country, Visits, LastSeen) VALUES ($e, $n, $p, $c, $v, $l)";
        var email = insert.Parameters.Add("$e", SqliteType.Text);
        var name = insert.Parameters.Add("$n", SqliteType.Text);
        var plan = insert.Parameters.Add("$p", SqliteType.Text);
        var country = insert.Parameters.Add("$c", SqliteType.Text);
        var visits = insert.Parameters.Add("$v", SqliteType.Integer);
        var lastSeen = insert.Parameters.Add("$l", SqliteType.Text);
        var epoch = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < rows; i++)
        {
            email.Value = string.Create(CultureInfo.InvariantCulture, $"user{i}@example.com");
            name.Value = string.Create(CultureInfo.InvariantCulture, $"User {i}");
            plan.Value = i % 3 == 0 ? "pro" : "basic";
            country.Value = i % 2 == 0 ? "FR" : "US";
            visits.Value = i % 7;
            lastSeen.Value = epoch.AddSeconds(i).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static async Task<(long Peak, long Lines)> RunChildAsync(DbFile db, int rows, string output)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(BackfillMemory).Assembly.Location);
        }

        foreach (var arg in new[] { "--backfill-child", db.Path, output })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the backfill child.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var line = (await stdout).Split('\n').FirstOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"The backfill child failed ({process.ExitCode}) for {rows} rows: {await stderr}{await stdout}");
        }

        var parts = line[Marker.Length..].Split(' ');
        return (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
