using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KissEf.Tests.Bulk;

/// <summary>
/// Records the statements a context runs against the orders table, with the number of keys each restricts itself to
/// (a parameter per key, or one array), to see a bulk operation's chunks.
/// </summary>
public sealed class BulkStatementLog : DbCommandInterceptor
{
    private readonly ConcurrentQueue<(string Sql, int Keys)> _statements = new();

    public IReadOnlyList<(string Sql, int Keys)> Statements => [.. _statements];

    /// <summary>The UPDATE or DELETE statements on the orders table.</summary>
    public IReadOnlyList<(string Sql, int Keys)> Writes
        => [.. _statements.Where(s => Statement(s.Sql).StartsWith("UPDATE", StringComparison.Ordinal) || Statement(s.Sql).StartsWith("DELETE", StringComparison.Ordinal))
            .Where(s => s.Sql.Contains("bulk_orders", StringComparison.Ordinal))];

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Record(command);
        return base.NonQueryExecuting(command, eventData, result);
    }

    /// <summary>The SQL without the tag comments EF puts first.</summary>
    private static string Statement(string sql)
        => string.Join('\n', sql.Split('\n').Where(l => !l.StartsWith("--", StringComparison.Ordinal))).TrimStart();

    private void Record(DbCommand command)
    {
        // EF 10 sends a list as one parameter per item (named after the chunk's Values), or as one array (Npgsql).
        var keys = command.Parameters.Cast<DbParameter>().Count(p => p.ParameterName.Contains("Values", StringComparison.OrdinalIgnoreCase));
        foreach (DbParameter parameter in command.Parameters)
        {
            keys = Math.Max(keys, parameter.Value switch
            {
                Array array => array.Length,
                string text when text.StartsWith('[') => text == "[]" ? 0 : text.Count(c => c == ',') + 1,
                _ => 0,
            });
        }

        _statements.Enqueue((command.CommandText, keys));
    }
}
