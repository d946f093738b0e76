using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KissEf.Benchmarks.Infrastructure;

/// <summary>A database on the benchmarks' private PostgreSQL server (<see cref="PgServer"/>), by its connection string.</summary>
public sealed class PgDatabase(string connectionString) : IBenchDatabase
{
    public string ConnectionString { get; } = connectionString;

    public void Use(DbContextOptionsBuilder options) => options.UseNpgsql(ConnectionString);

    public System.Data.Common.DbConnection Connect()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    public long Scalar(string sql)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Empties the benchmark's tables (customers and the outbox), outside measured code.</summary>
    public void Truncate()
    {
        using var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand("TRUNCATE \"Customers\", kiss_outbox RESTART IDENTITY", connection);
        command.ExecuteNonQuery();
    }
}
