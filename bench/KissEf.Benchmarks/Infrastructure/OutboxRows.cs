using System.Data.Common;

namespace KissEf.Benchmarks.Infrastructure;

/// <summary>
/// Moves outbox rows between the benchmarks' databases, outside measured code, through plain ADO.NET (SQLite or
/// PostgreSQL alike): the tenant benchmark splits the rows one database's saves wrote among the tenants' databases, so
/// that both sides hold the very same calls, and on PostgreSQL puts a drained outbox back from a copy.
/// </summary>
public static class OutboxRows
{
    /// <summary>
    /// Copies the rows of <paramref name="source"/>'s outbox, in id order, into the outboxes of <paramref name="targets"/>
    /// (which have the table, empty): contiguous runs of rows, as even as the rows allow. Returns the calls each got.
    /// </summary>
    public static long[] Split(IBenchDatabase source, IReadOnlyList<IBenchDatabase> targets)
    {
        var rows = new List<object[]>();
        string[] columns;
        using (var connection = source.Connect())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT * FROM kiss_outbox ORDER BY id";
            using var reader = command.ExecuteReader();
            columns = [.. Enumerable.Range(0, reader.FieldCount).Select(reader.GetName)];
            while (reader.Read())
            {
                var values = new object[reader.FieldCount];
                reader.GetValues(values);
                rows.Add(values);
            }
        }

        var callCount = Array.IndexOf(columns, "call_count");
        var calls = new long[targets.Count];
        for (var t = 0; t < targets.Count; t++)
        {
            var first = rows.Count * t / targets.Count;
            var end = rows.Count * (t + 1) / targets.Count;
            using var connection = targets[t].Connect();
            using var transaction = connection.BeginTransaction();
            for (var r = first; r < end; r++)
            {
                Insert(connection, transaction, columns, rows[r]);
                calls[t] += Convert.ToInt64(rows[r][callCount], System.Globalization.CultureInfo.InvariantCulture);
            }

            transaction.Commit();
        }

        return calls;
    }

    /// <summary>Keeps a copy of the outbox's rows in a table of the benchmark's own (PostgreSQL: databases cannot be copied as files).</summary>
    public static void Snapshot(IBenchDatabase db) => Execute(db, "DROP TABLE IF EXISTS bench_outbox_fill; CREATE TABLE bench_outbox_fill AS SELECT * FROM kiss_outbox");

    /// <summary>Puts the outbox back as <see cref="Snapshot"/> found it.</summary>
    public static void Restore(IBenchDatabase db) => Execute(db, "DELETE FROM kiss_outbox; INSERT INTO kiss_outbox SELECT * FROM bench_outbox_fill");

    private static void Execute(IBenchDatabase db, string sql)
    {
        using var connection = db.Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void Insert(DbConnection connection, DbTransaction transaction, string[] columns, object[] values)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO kiss_outbox ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => "@p" + i))})";
        for (var i = 0; i < columns.Length; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@p" + i;
            parameter.Value = values[i];
            command.Parameters.Add(parameter);
        }

        command.ExecuteNonQuery();
    }
}
