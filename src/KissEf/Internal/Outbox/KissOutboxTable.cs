using System.Data.Common;
using KissEf.Internal.Logging;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Internal.Outbox;

/// <summary>
/// Whether a context type's outbox table can be read: the dispatcher looks before it works, so that a host that starts
/// before its database is migrated, or while its database is down, waits quietly instead of failing at every poll.
/// The connection is opened through EF (the application's connection interceptors, access tokens say, take part) on
/// a context of KissEf's own, whose EF log events are written at Debug (<see cref="KissOwnLoggerFactory"/>); the look
/// itself is one <c>SELECT 1 FROM table WHERE 1 = 0</c> sent through ADO.NET, valid SQL on every relational provider.
/// </summary>
internal static class KissOutboxTable
{
    public static async Task<KissTableCheck> CheckAsync(KissOutboxTarget target, CancellationToken cancellationToken)
    {
        KissOwnContext own;
        try
        {
            own = await target.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (target.TenantId is not null && exception is not OperationCanceledException)
        {
            // The application could not enter the tenant (gone from its store, or its store down): to the dispatcher
            // the tenant's database cannot be reached, reported once, and looked at again at every poll.
            return new KissTableCheck(KissTableState.Unreachable, string.Empty, exception);
        }

        await using (own.ConfigureAwait(false))
        {
            var db = own.Db;
            var names = KissOutboxNames.Of(db);
            var table = names.Schema is null ? names.Table : $"{names.Schema}.{names.Table}";
            try
            {
                await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (DatabaseError(exception) is { } error)
            {
                // Npgsql's execution strategy wraps a connection failure in an InvalidOperationException.
                return new KissTableCheck(KissTableState.Unreachable, table, error);
            }

            try
            {
                var command = db.Database.GetDbConnection().CreateCommand();
                await using (command.ConfigureAwait(false))
                {
                    command.CommandText = $"SELECT 1 FROM {names.QuotedTable} WHERE 1 = 0";
                    await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                }

                return new KissTableCheck(KissTableState.Present, table, null);
            }
            catch (DbException exception)
            {
                // A connection cut between the open and the command (or a busy SQLite file) is transient: the database,
                // not the table, is the problem. Any other error of a statement this simple is the table's.
                return new KissTableCheck(exception.IsTransient ? KissTableState.Unreachable : KissTableState.Missing, table, exception);
            }
            finally
            {
                await db.Database.CloseConnectionAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The exception for an operation on the outbox of <paramref name="target"/> that failed with
    /// <paramref name="failure"/>: when the table cannot be read, or the database cannot be reached, an
    /// <see cref="InvalidOperationException"/> that says so and what to do; otherwise null (the failure stands as is).
    /// </summary>
    public static async Task<Exception?> ExplainAsync(KissOutboxTarget target, string operation, Exception failure, CancellationToken cancellationToken)
    {
        if (!IsDatabaseError(failure))
        {
            return null;
        }

        var check = await CheckAsync(target, cancellationToken).ConfigureAwait(false);
        return check.State switch
        {
            KissTableState.Missing => new InvalidOperationException(
                $"KissEf could not {operation}: the outbox table '{check.Table}' of {target.Label} cannot be read ({check.ErrorText}). " +
                $"Add it: run 'dotnet ef migrations add AddKissOutbox --context {target.ContextType.Name}' then 'dotnet ef database update' " +
                "(or call Database.Migrate() at start, or EnsureCreated for a development database).",
                failure),
            KissTableState.Unreachable => new InvalidOperationException(
                $"KissEf could not {operation}: the database of {target.Label} cannot be reached ({check.ErrorText}). " +
                "The calls not yet delivered stay in the outbox table.",
                failure),
            _ => null,
        };
    }

    /// <summary>
    /// Throws for an operation on the outbox that failed with <paramref name="failure"/>: the explanation of
    /// <see cref="ExplainAsync"/> when the table or the database is the cause, else <paramref name="failure"/> itself,
    /// with its stack trace.
    /// </summary>
    public static async Task ThrowExplainedAsync(KissOutboxTarget target, string operation, Exception failure, CancellationToken cancellationToken)
    {
        if (await ExplainAsync(target, operation, failure, cancellationToken).ConfigureAwait(false) is { } explained)
        {
            throw explained;
        }

        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>Whether <paramref name="exception"/> is, or wraps (a DbUpdateException, an execution strategy's), a provider's error.</summary>
    public static bool IsDatabaseError(Exception exception) => DatabaseError(exception) is not null;

    /// <summary>The provider's error that <paramref name="exception"/> is or wraps, if any.</summary>
    public static DbException? DatabaseError(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is DbException error)
            {
                return error;
            }
        }

        return null;
    }

    /// <summary>A provider's error in one line: its type and the first line of its message.</summary>
    public static string Describe(Exception exception)
    {
        // Its first line, without its full stop: the messages quote it inside a sentence of their own.
        return $"{exception.GetType().Name}: {KissText.Clause(exception.Message)}";
    }
}
