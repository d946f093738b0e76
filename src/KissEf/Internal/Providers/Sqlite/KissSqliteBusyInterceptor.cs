using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using KissEf.Internal.Outbox;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace KissEf.Internal.Providers.Sqlite;

/// <summary>
/// With the outbox, sets SQLite's <c>busy_timeout</c> on every connection a tracked context opens (the dispatcher's
/// own contexts included). SQLite has one writer: a save that finds the dispatcher's claim or delete holding the lock
/// gets SQLITE_BUSY, and without a busy handler Microsoft.Data.Sqlite retries it after a fixed 150 ms sleep
/// (SqliteDataReader.NextResult, SqliteConnection's BEGIN/COMMIT), for a lock held a millisecond. SQLite's own busy
/// handler retries within a few milliseconds. The wait stays bounded as before: the timeout is the command timeout
/// the statements would use (the context's, else the connection string's <c>Default Timeout</c>, else 30 s).
/// The setting belongs to SQLite's connection handle, which Microsoft.Data.Sqlite pools: it is made once per handle
/// (and timeout), not on every open.
/// <para>
/// KissEf's own connections (the dispatcher's claims and deletes) on a database in WAL mode commit with
/// <c>synchronous = NORMAL</c> while they are open, so they hold the write lock for a write, not for an fsync: a
/// save that meets them waits microseconds. Such a commit survives a crash of the process; an OS crash or power
/// loss may roll back the dispatcher's last claims (they are claimed again) or deletes (those calls are sent again,
/// with the same <c>_t</c>, and the vendor counts them once). The handle goes back to the pool with the application's
/// own setting. In a rollback journal, where NORMAL could corrupt the file on power loss, nothing changes.
/// </para>
/// </summary>
internal sealed class KissSqliteBusyInterceptor : DbConnectionInterceptor
{
    private const string SqliteConnectionType = "Microsoft.Data.Sqlite.SqliteConnection";

    /// <summary>Microsoft.Data.Sqlite's default command timeout, in seconds.</summary>
    private const int DefaultTimeoutSeconds = 30;

    private readonly ConcurrentDictionary<Type, bool> _sqliteTypes = new();
    private readonly ConcurrentDictionary<string, int> _connectionStringTimeouts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, string> _pragmas = new();
    private readonly ConcurrentDictionary<Type, Func<DbConnection, object?>> _handleReaders = new();

    // The busy timeout set on each pooled SQLite handle (held weakly: a handle closed for good is forgotten).
    private readonly ConditionalWeakTable<object, StrongBox<int>> _applied = new();

    // The handles of KissEf's own connections whose synchronous setting is relaxed, with the setting to give back.
    private readonly ConditionalWeakTable<object, StrongBox<long>> _relaxed = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection, eventData);

    /// <remarks>Microsoft.Data.Sqlite's async commands run synchronously: the synchronous call costs less and does the same.</remarks>
    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection, eventData);
        return Task.CompletedTask;
    }

    public override InterceptionResult ConnectionClosing(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        TryRestore(connection);
        return result;
    }

    public override ValueTask<InterceptionResult> ConnectionClosingAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        TryRestore(connection);
        return ValueTask.FromResult(result);
    }

    private void Apply(DbConnection connection, ConnectionEndEventData eventData)
    {
        var type = connection.GetType();
        if (!_sqliteTypes.GetOrAdd(type, static type => IsSqlite(type)))
        {
            return;
        }

        // The relational connection, not context.Database: the facade's dependencies are services a save does not build.
        var seconds = eventData.Context?.GetService<IRelationalConnection>().CommandTimeout ?? ConnectionStringTimeout(connection.ConnectionString);

        // 0 is "no timeout" for Microsoft.Data.Sqlite; SQLite's busy_timeout takes milliseconds as an int.
        var milliseconds = seconds <= 0 ? int.MaxValue : (int)Math.Min((long)seconds * 1000, int.MaxValue);
        var handle = _handleReaders.GetOrAdd(type, static type => HandleReader(type))(connection);
        if (handle is null || !_applied.TryGetValue(handle, out var applied) || applied.Value != milliseconds)
        {
            Execute(connection, _pragmas.GetOrAdd(milliseconds, static ms => "PRAGMA busy_timeout = " + ms.ToString(CultureInfo.InvariantCulture)));
            if (handle is not null)
            {
                _applied.AddOrUpdate(handle, new StrongBox<int>(milliseconds));
            }
        }

        if (handle is null)
        {
            return;
        }

        if (eventData.Context is { } context && KissOwnContext.IsOwn(context))
        {
            Relax(connection, handle);
        }
        else if (_relaxed.TryGetValue(handle, out _))
        {
            // Our connection did not get to give the handle back (it was disposed without closing, or closed in a
            // transaction): the application's connection gets the application's setting before it runs anything.
            Restore(connection, handle);
        }
    }

    /// <summary>A connection of KissEf's own, in WAL mode: commits without an fsync until it closes.</summary>
    private void Relax(DbConnection connection, object handle)
    {
        if (_relaxed.TryGetValue(handle, out _)
            || !string.Equals(Query(connection, "PRAGMA journal_mode") as string, "wal", StringComparison.OrdinalIgnoreCase)
            || Query(connection, "PRAGMA synchronous") is not long synchronous
            || synchronous <= 1)
        {
            return;
        }

        Execute(connection, "PRAGMA synchronous = NORMAL");
        _relaxed.AddOrUpdate(handle, new StrongBox<long>(synchronous));
    }

    /// <summary>Gives the pooled handle back with the application's setting, when it can now (not in a transaction).</summary>
    private void TryRestore(DbConnection connection)
    {
        if (_handleReaders.TryGetValue(connection.GetType(), out var read) && read(connection) is { } handle && _relaxed.TryGetValue(handle, out _))
        {
            try
            {
                Restore(connection, handle);
            }
            catch (DbException)
            {
                // SQLite refuses to change it in a transaction: the next application connection on this handle does.
            }
        }
    }

    private void Restore(DbConnection connection, object handle)
    {
        if (_relaxed.TryGetValue(handle, out var synchronous))
        {
            Execute(connection, "PRAGMA synchronous = " + synchronous.Value.ToString(CultureInfo.InvariantCulture));
            _relaxed.Remove(handle);
        }
    }

    private static void Execute(DbConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Query(DbConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    /// <summary>Reads <c>SqliteConnection.Handle</c> (SQLite's own connection, the object the pool keeps); KissEf does
    /// not reference Microsoft.Data.Sqlite. A connection type without it gets the PRAGMA on every open.</summary>
    private static Func<DbConnection, object?> HandleReader(Type type)
    {
        if (type.GetProperty("Handle", BindingFlags.Public | BindingFlags.Instance) is not { CanRead: true } property
            || property.PropertyType.IsValueType)
        {
            return static _ => null;
        }

        var connection = Expression.Parameter(typeof(DbConnection), "connection");
        return Expression.Lambda<Func<DbConnection, object?>>(
            Expression.Property(Expression.Convert(connection, type), property), connection).Compile();
    }

    private int ConnectionStringTimeout(string connectionString)
        => _connectionStringTimeouts.GetOrAdd(connectionString, static cs =>
        {
            var builder = new DbConnectionStringBuilder { ConnectionString = cs };
            foreach (var key in (string[])["Default Timeout", "Command Timeout"])
            {
                if (builder.TryGetValue(key, out var value)
                    && int.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
                {
                    return seconds;
                }
            }

            return DefaultTimeoutSeconds;
        });

    private static bool IsSqlite(Type? type)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (type.FullName == SqliteConnectionType)
            {
                return true;
            }
        }

        return false;
    }
}
