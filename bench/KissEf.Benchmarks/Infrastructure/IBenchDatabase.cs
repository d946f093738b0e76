using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Benchmarks.Infrastructure;

/// <summary>A benchmark's database: a SQLite file (<see cref="DbFile"/>) or a database on a private PostgreSQL server (<see cref="PgDatabase"/>).</summary>
public interface IBenchDatabase
{
    /// <summary>Points a context's options at this database (UseSqlite or UseNpgsql).</summary>
    void Use(DbContextOptionsBuilder options);

    /// <summary>An open connection of its own (set-up and checks, outside measured code).</summary>
    DbConnection Connect();

    /// <summary>Runs a scalar query on a connection of its own (sanity checks, outside measured code).</summary>
    long Scalar(string sql);

    /// <summary>The query of <see cref="OutboxCalls"/>.</summary>
    const string OutboxCallsSql = "SELECT COALESCE(SUM(call_count), 0) FROM kiss_outbox";

    /// <summary>How many calls the outbox holds (pending or dead).</summary>
    long OutboxCalls() => Scalar(OutboxCallsSql);
}
