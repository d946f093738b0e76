using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Outbox;

/// <summary>
/// With the outbox, sets SQLite's <c>busy_timeout</c> on every connection a tracked context opens (the dispatcher's
/// own contexts included). SQLite has one writer: a save that finds the dispatcher's claim or delete holding the lock
/// gets SQLITE_BUSY, and without a busy handler Microsoft.Data.Sqlite retries it after a fixed 150 ms sleep
/// (SqliteDataReader.NextResult, SqliteConnection's BEGIN/COMMIT), for a lock held a millisecond. SQLite's own busy
/// handler retries within a few milliseconds. The wait stays bounded as before: the timeout is the command timeout
/// the statements would use (the context's, else the connection string's <c>Default Timeout</c>, else 30 s).
/// The setting belongs to SQLite's connection handle, which Microsoft.Data.Sqlite pools: it is made once per handle
/// (and timeout), not on every open.
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

    /// <summary>Registers the interceptor in EF's internal services of a context that uses the outbox.</summary>
    public static void Register(IServiceCollection services, string? outboxTable)
    {
        if (outboxTable is not null)
        {
            services.AddSingleton<IInterceptor, KissSqliteBusyInterceptor>();
        }
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection, eventData);

    /// <remarks>Microsoft.Data.Sqlite's async commands run synchronously: the synchronous call costs less and does the same.</remarks>
    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection, eventData);
        return Task.CompletedTask;
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
        if (handle is not null && _applied.TryGetValue(handle, out var applied) && applied.Value == milliseconds)
        {
            return;
        }

        using (var command = connection.CreateCommand())
        {
            command.CommandText = _pragmas.GetOrAdd(milliseconds, static ms => "PRAGMA busy_timeout = " + ms.ToString(CultureInfo.InvariantCulture));
            command.ExecuteNonQuery();
        }

        if (handle is not null)
        {
            _applied.AddOrUpdate(handle, new StrongBox<int>(milliseconds));
        }
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
