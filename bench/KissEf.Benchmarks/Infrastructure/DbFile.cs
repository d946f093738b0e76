using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Benchmarks.Infrastructure;

/// <summary>
/// A SQLite file database at a fixed path: the contexts of a service provider read <see cref="ConnectionString"/>
/// each time one is created, so the file can be replaced by a fresh copy of a template between iterations.
/// </summary>
public sealed class DbFile(string path) : IBenchDatabase
{
    public string Path { get; } = path;

    public string ConnectionString { get; } = new SqliteConnectionStringBuilder { DataSource = path }.ToString();

    public void Use(DbContextOptionsBuilder options) => options.UseSqlite(ConnectionString);

    /// <summary>Replaces the file by a copy of <paramref name="template"/> (pooled connections to it are closed first).</summary>
    public void CopyFrom(DbFile template)
    {
        Delete();
        File.Copy(template.Path, Path, overwrite: true);
    }

    public void Delete()
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { Path, Path + "-journal", Path + "-wal", Path + "-shm" })
        {
            if (File.Exists(file))
            {
                File.Delete(file);
            }
        }
    }

    public System.Data.Common.DbConnection Connect()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Runs a scalar query on a connection of its own (sanity checks, outside measured code).</summary>
    public long Scalar(string sql)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Every call line held by the outbox, in row order.</summary>
    public List<string> OutboxLines()
    {
        var lines = new List<string>();
        using var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT calls FROM kiss_outbox ORDER BY id";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            lines.AddRange(reader.GetString(0).Split('\n'));
        }

        return lines;
    }

    /// <summary>How many calls the outbox holds (pending or dead).</summary>
    public long OutboxCalls() => Scalar(IBenchDatabase.OutboxCallsSql);
}
