using System.Runtime.CompilerServices;
using KissEf.Internal.Logging;
using Microsoft.Extensions.Logging;

namespace KissEf.Internal.Outbox.Dispatch;

/// <summary>
/// Keeps a worker listening for other instances' commits, where its provider can (<see cref="KissOutboxProvider.Listens"/>):
/// one connection per context type that sets the worker's signal on each wake, so a commit on any instance is claimed at
/// once rather than at the next poll. Polling goes on beside it; a lost connection is opened again after the poll
/// interval. A database that cannot be reached (or a connection cut) is the dispatcher's to report (2011, once): the
/// listener tries again quietly. Any other failure is logged (2009), once until it listens again.
/// Other providers have no listener (the 2008 log says so for one KissEf has no code of its own for).
/// </summary>
internal static class KissOutboxListener
{
    public static async Task ListenAsync(
        IKissOutboxProviders providers,
        KissOutboxTarget target,
        KissWakeSignal signal,
        TimeSpan retry,
        TimeProvider time,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        var reported = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            var listening = new StrongBox<bool>();
            try
            {
                var own = await target.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using (own.ConfigureAwait(false))
                {
                    var db = own.Db;
                    var provider = providers.For(db);
                    if (!provider.Listens)
                    {
                        if (provider.ProviderName is null)
                        {
                            KissLog.PortableClaim(logger, db.Database.ProviderName ?? "(none)", target.Label);
                        }

                        return;
                    }

                    await provider.ListenAsync(db, signal, listening, cancellationToken).ConfigureAwait(false);
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
                    KissLog.ListenerFailed(logger, target.Label, exception);
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
}
