using System.Data.Common;
using System.Reflection;
using System.Runtime.CompilerServices;
using KissEf.Internal.Outbox;
using KissEf.Internal.Outbox.Dispatch;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Internal.Providers.PostgreSql;

/// <summary>
/// The cross-instance wake's receiving side, on PostgreSQL: a LISTEN on the outbox table's channel, on the connection
/// of a context of the dispatcher's own, that sets the worker's signal on each notification. Npgsql receives
/// notifications through <c>NpgsqlConnection.WaitAsync</c>; KissEf does not reference Npgsql and calls it by
/// reflection. The dispatcher's <see cref="KissOutboxListener"/> listens again when the connection is lost.
/// </summary>
internal static class KissNpgsqlListener
{
    // Npgsql's NpgsqlConnection.WaitAsync(int timeout, CancellationToken): KissEf does not reference Npgsql.
    private static readonly Type[] WaitParameters = [typeof(int), typeof(CancellationToken)];
    private const int WaitMilliseconds = 30_000;

    /// <summary>LISTENs on <paramref name="db"/>'s connection and sets the signal at each notification, until cancelled;
    /// <paramref name="listening"/> is set once LISTEN has run (a failure after it is a lost connection).</summary>
    public static async Task ListenAsync(DbContext db, KissWakeSignal signal, StrongBox<bool> listening, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        var wait = WaitMethod(connection)
            ?? throw new InvalidOperationException($"{connection.GetType().FullName} has no WaitAsync(int, CancellationToken) to receive notifications with.");
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The channel is the model's table name, quoted by the provider: no user input.
            var listen = "LISTEN " + KissOutboxNotify.Channel(KissOutboxNames.Of(db));
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
