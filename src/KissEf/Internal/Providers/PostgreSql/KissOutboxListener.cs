using System.Data.Common;
using System.Reflection;
using System.Runtime.CompilerServices;
using KissEf.Internal.Logging;
using KissEf.Internal.Outbox;
using KissEf.Internal.Outbox.Dispatch;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace KissEf.Internal.Providers.PostgreSql;

/// <summary>
/// The cross-instance wake's receiving side, on PostgreSQL: one connection per context type that LISTENs on the outbox
/// table's channel and sets the worker's signal on each notification, so a commit on any instance is claimed at once
/// rather than at the next poll. Polling goes on beside it; a lost connection is opened again after the poll interval.
/// A database that cannot be reached (or a connection cut) is the dispatcher's to report (2011, once): the listener
/// tries again quietly. Any other failure is logged (2009), once until it listens again.
/// Other providers have no listener (the 2008 log says so for an unknown one).
/// </summary>
internal static class KissOutboxListener
{
    // Npgsql's NpgsqlConnection.WaitAsync(int timeout, CancellationToken): KissEf does not reference Npgsql.
    private static readonly Type[] WaitParameters = [typeof(int), typeof(CancellationToken)];
    private const int WaitMilliseconds = 30_000;

    public static async Task ListenAsync(
        IServiceProvider services, Type contextType, KissWakeSignal signal, TimeSpan retry, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var reported = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            var listening = new StrongBox<bool>();
            try
            {
                var own = KissOwnContext.Open(services, contextType);
                await using (own.ConfigureAwait(false))
                {
                    var db = own.Db;
                    switch (KissOutboxProviders.Of(db))
                    {
                        case KissOutboxProvider.Unknown:
                            KissLog.PortableClaim(logger, db.Database.ProviderName ?? "(none)", contextType.Name);
                            return;
                        case KissOutboxProvider.Sqlite:
                            return;
                    }

                    await ListenOnAsync(db, signal, listening, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                if (listening.Value)
                {
                    reported = false;
                }

                // The provider's error, maybe wrapped by the execution strategy ("likely due to a transient failure").
                var unreachable = KissOutboxTable.DatabaseError(exception) is { } error && (error.IsTransient || !listening.Value);
                if (!unreachable && !reported)
                {
                    reported = true;
                    KissLog.ListenerFailed(logger, contextType.Name, exception);
                }
            }

            try
            {
                await Task.Delay(retry, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>LISTENs on <paramref name="db"/>'s connection and sets the signal at each notification, until cancelled;
    /// <paramref name="listening"/> is set once LISTEN has run (a failure after it is a lost connection).</summary>
    private static async Task ListenOnAsync(DbContext db, KissWakeSignal signal, StrongBox<bool> listening, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        var wait = WaitMethod(connection)
            ?? throw new InvalidOperationException($"{connection.GetType().FullName} has no WaitAsync(int, CancellationToken) to receive notifications with.");
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The channel is the model's table name, quoted by the provider: no user input.
            var listen = "LISTEN " + KissOutboxProviders.Channel(db);
            await db.Database.ExecuteSqlRawAsync(listen, cancellationToken).ConfigureAwait(false);
            listening.Value = true;

            // A commit may have come while nobody listened (at start, or while the connection was lost).
            signal.Set();
            while (true)
            {
                var notified = await ((Task<bool>)wait.Invoke(connection, [WaitMilliseconds, cancellationToken])!).ConfigureAwait(false);
                if (notified)
                {
                    signal.Set();
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    private static MethodInfo? WaitMethod(DbConnection connection)
        => connection.GetType().GetMethod("WaitAsync", BindingFlags.Public | BindingFlags.Instance, WaitParameters) is { ReturnType: var type } method
           && type == typeof(Task<bool>)
            ? method
            : null;
}
