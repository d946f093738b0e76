using KissEf.Internal.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KissEf.Internal.Outbox.Dispatch;

/// <summary>
/// The dispatcher's leases: claims a batch of due rows for an owner unique to this process and claim, renews the lease
/// while the batch is being sent, and gives it back when a drain stops short. A lease is what keeps two instances on
/// one database from sending the same row at the same time; a crashed instance's leases end by themselves.
/// </summary>
internal sealed class KissOutboxLeases(
    IKissOutboxProviders providers,
    IOptions<KissTrackingOptions> options,
    TimeProvider time,
    ILogger logger)
{
    private readonly string _instance = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private long _claims;

    /// <summary>Claims a batch of due rows, through a context of its own, and keeps its lease alive.</summary>
    public async Task<KissClaim?> ClaimAsync(KissOutboxTarget target, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var own = await target.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var owner = $"{_instance}/{Interlocked.Increment(ref _claims)}";
            var rows = await KissOutboxStore.ClaimAsync(
                providers, own.Db, owner, now, now + (long)o.LeaseDuration.TotalMilliseconds, o.ClaimBatchSize, cancellationToken).ConfigureAwait(false);
            if (rows.Count == 0)
            {
                await own.DisposeAsync().ConfigureAwait(false);
                return null;
            }

            var renewing = new CancellationTokenSource();
            return new KissClaim(own, owner, rows, renewing, RenewLeaseAsync(target, owner, o.LeaseDuration, renewing.Token));
        }
        catch
        {
            await own.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Gives the lease of a claim back (stopping its renewal), so its rows are due at once; nothing for none.</summary>
    public static async Task GiveBackAsync(KissClaim? claim)
    {
        if (claim is null)
        {
            return;
        }

        await using (claim.ConfigureAwait(false))
        {
            await claim.StopRenewingAsync().ConfigureAwait(false);
            await KissOutboxStore.ReleaseAsync(claim.Db, claim.Owner, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Extends the lease of a batch while it is being sent (every third of the lease), so a slow endpoint does
    /// not let another instance take the rows and send them again at the same time.
    /// </summary>
    private async Task RenewLeaseAsync(KissOutboxTarget target, string owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        var every = lease / 3;
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(every, time, cancellationToken).ConfigureAwait(false);
            try
            {
                await using var own = await target.OpenAsync(cancellationToken).ConfigureAwait(false);
                var until = (time.GetUtcNow() + lease).ToUnixTimeMilliseconds();
                await KissOutboxStore.RenewAsync(own.Db, owner, until, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // A database error is the drain's to explain (its settle or next claim meets it too): once, not per renewal.
                if (!KissOutboxTable.IsDatabaseError(exception))
                {
                    KissLog.DispatcherFailed(logger, exception);
                }
            }
        }
    }
}
