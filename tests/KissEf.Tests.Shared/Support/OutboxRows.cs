using KissEf.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.Support;

/// <summary>One row of <c>kiss_outbox</c>, read with a raw SQLite connection (not through KissEf or EF).</summary>
public sealed record OutboxRow(
    long Id,
    string Calls,
    int CallCount,
    long CreatedAt,
    int Attempts,
    long NextAttemptAt,
    string? LeaseOwner,
    long LeaseExpiresAt,
    string? LastError,
    long? DeadAt)
{
    /// <summary>The encoded call lines the row holds.</summary>
    public IReadOnlyList<string> Lines => Calls.Length == 0 ? [] : Calls.Split('\n');

    /// <summary>The row without its calls (they would flood a failure message).</summary>
    public override string ToString()
        => $"row {Id}: {CallCount} call(s), attempts {Attempts}, next {NextAttemptAt}, lease {LeaseOwner ?? "-"} until {LeaseExpiresAt}, " +
           $"dead {(DeadAt is null ? "no" : DeadAt.ToString())}, last error {LastError ?? "-"}";
}

/// <summary>Raw reads and writes of the outbox table, independent of the library under test.</summary>
public static class OutboxRows
{
    public const string Table = "kiss_outbox";

    public static IReadOnlyList<OutboxRow> Read(SqliteDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        using var connection = database.OpenConnection();
        return Read(connection);
    }

    /// <summary>The rows, read with SQL on a connection of the host's database (SQLite or PostgreSQL), outside any transaction.</summary>
    public static Task<IReadOnlyList<OutboxRow>> ReadAsync(OutboxTestHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.WithContextAsync(async db =>
        {
            await db.Database.OpenConnectionAsync();
            return Read(db.Database.GetDbConnection());
        });
    }

    /// <summary>How many customers the host's database holds (SQLite or PostgreSQL).</summary>
    /// <summary>The rows of <paramref name="tenant"/>'s database (SQLite or PostgreSQL), read with SQL on a connection of a context of that tenant.</summary>
    public static Task<IReadOnlyList<OutboxRow>> ReadAsync(Tenants.TenantTestHost host, string tenant)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.InTenantAsync(tenant, async db =>
        {
            await db.Database.OpenConnectionAsync();
            return Read(db.Database.GetDbConnection());
        });
    }

    public static Task<int> CountCustomersAsync(OutboxTestHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.WithContextAsync(db => db.Customers.CountAsync());
    }

    private static IReadOnlyList<OutboxRow> Read(System.Data.Common.DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText =
            $"SELECT id, calls, call_count, created_at, attempts, next_attempt_at, lease_owner, lease_expires_at, last_error, dead_at FROM {Table} ORDER BY id";
        using var reader = command.ExecuteReader();
        var rows = new List<OutboxRow>();
        while (reader.Read())
        {
            rows.Add(new OutboxRow(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetInt32(2),
                reader.GetInt64(3),
                reader.GetInt32(4),
                reader.GetInt64(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.GetInt64(7),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetInt64(9)));
        }

        return rows;
    }

    /// <summary>Whether the table exists at all.</summary>
    public static bool TableExists(SqliteDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{Table}'";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }

    /// <summary>Runs a statement on the database (to stage a state the library would reach by itself).</summary>
    public static int Execute(SqliteDatabase database, string sql)
    {
        ArgumentNullException.ThrowIfNull(database);
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    /// <summary>How many customers the table holds whose e-mail matches the LIKE <paramref name="pattern"/>.</summary>
    public static long CountCustomers(SqliteDatabase database, string pattern = "%")
    {
        ArgumentNullException.ThrowIfNull(database);
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM customers WHERE Email LIKE $pattern";
        command.Parameters.AddWithValue("$pattern", pattern);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Fails if any stored text of the outbox (calls, lease owner, last error) holds the API key.</summary>
    public static void AssertNoApiKey(SqliteDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        AssertNoApiKey(Read(database));
    }

    /// <summary>Fails if any stored text of <paramref name="rows"/> (calls, lease owner, last error) holds the API key.</summary>
    public static void AssertNoApiKey(IEnumerable<OutboxRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var row in rows)
        {
            Assert.DoesNotContain(OutboxShop.ApiKey, row.Calls, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Uri.EscapeDataString(OutboxShop.ApiKey), row.Calls, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("_k=", row.Calls, StringComparison.Ordinal);
            Assert.DoesNotContain(OutboxShop.ApiKey, row.LastError ?? string.Empty, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(OutboxShop.ApiKey, row.LeaseOwner ?? string.Empty, StringComparison.OrdinalIgnoreCase);
        }
    }
}
