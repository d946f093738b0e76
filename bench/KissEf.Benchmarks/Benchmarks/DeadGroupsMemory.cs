using System.Diagnostics;
using System.Globalization;
using KissEf.Benchmarks.Infrastructure;
using KissEf.Benchmarks.Model;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Benchmarks.Benchmarks;

/// <summary>
/// Issue 19's memory figure: <see cref="IKissOutbox.GetDeadGroupsAsync"/> reads dead rows a page at a time. N dead rows
/// of 100 calls each (three kinds of failure) in a SQLite file on tmpfs, grouped once, the peak resident set measured
/// from just before (the kernel's high-water mark reset): N against N/10.
/// </summary>
public static class DeadGroupsMemory
{
    public static async Task<long> PeakAsync(int rows, TextWriter log)
    {
        var folder = BenchPaths.NewTmpfsFolder("dead-groups");
        try
        {
            var db = new DbFile(Path.Combine(folder, "dead.db"));
            using var host = DryRunHost.Build(db, kiss => kiss.Entity<Customer>(c => c.HasIdentity(x => x.Email).OnAdded().Record("Signed Up")));
            Seed(db, rows);
            await host.StartAsync();
            var outbox = host.Services.GetRequiredService<IKissOutbox>();
            GC.Collect();
            DrainMemory.TryResetPeak();
            var watch = Stopwatch.StartNew();
            var groups = await outbox.GetDeadGroupsAsync();
            var peak = DrainMemory.ReadStatus("VmHWM:");
            var counted = groups.Sum(g => g.Rows);
            if (counted != rows)
            {
                throw new InvalidOperationException($"Grouped {counted} rows of {rows}.");
            }

            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  grouped {rows:N0} dead rows ({groups.Count} groups) in {watch.Elapsed.TotalSeconds:F1} s: peak RSS {DrainMemory.Mb(peak)}"));
            await host.StopAsync();
            return peak;
        }
        finally
        {
            BenchPaths.TryDelete(folder);
        }
    }

    /// <summary>Dead rows of 100 "Signed Up" calls each, with plain SQL: a 400, a 503 given up, a network error with a varying port.</summary>
    private static void Seed(DbFile db, int rows)
    {
        var calls = string.Join('\n', Enumerable.Range(0, 100).Select(i => string.Create(CultureInfo.InvariantCulture, $"e?_n=Signed%20Up&_p=user{i}%40example.com&_t=1700000000")));
        using var connection = new SqliteConnection(db.ConnectionString);
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO kiss_outbox (calls, call_count, created_at, attempts, next_attempt_at, lease_expires_at, last_error, dead_at) VALUES ($c, 100, 1, 1, 1, 0, $e, $d)";
        var error = insert.Parameters.Add("$e", SqliteType.Text);
        var dead = insert.Parameters.Add("$d", SqliteType.Integer);
        insert.Parameters.AddWithValue("$c", calls);
        for (var i = 0; i < rows; i++)
        {
            error.Value = (i % 3) switch
            {
                0 => "HTTP 400 (BadRequest)",
                1 => "HTTP 503 (ServiceUnavailable)",
                _ => string.Create(CultureInfo.InvariantCulture, $"network error (ConnectionError): Connection refused (10.0.0.{i % 250}:{5000 + (i % 1000)})"),
            };
            dead.Value = 1_700_000_000_000L + i;
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}
