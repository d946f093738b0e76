using System.Collections.Concurrent;
using KissEf.Internal.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KissEf.Internal.Outbox.Dispatch;

/// <summary>
/// The dispatcher's leases: claims a batch of due rows for an owner unique to this process and claim, renews the lease
/// while the batch is being sent and settled, and gives it back when a drain stops short. A lease is what keeps two
/// instances on one database from sending the same row; a crashed instance's leases end by themselves.
/// <para>
/// A lease ends at the clock reading taken before the statement that wrote it, plus <c>LeaseDuration</c>: a claim or
/// renewal that is slow to run (a process's first statements compile their queries; a loaded machine) uses up its
/// lease. So the renewal is due a third of the lease after that reading, not after the statement came back, and the
/// dispatcher does a due renewal itself before it sends a batch and before it settles it, rather than count on the
/// background renewal having run (a claim that took longer than the lease comes back with its lease already over).
/// </para>
/// </summary>
internal sealed class KissOutboxLeases(
    IKissOutboxProviders providers,
    IOptions<KissTrackingOptions> options,
    TimeProvider time,
    ILogger logger)
{
    private readonly string _instance = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>The context types whose renewal has run once in this process (its query is compiled).</summary>
    private readonly ConcurrentDictionary<Type, bool> _renewedOnce = new();

    private long _claims;

    /// <summary>Claims a batch of due rows, through a context of its own, and keeps its lease alive.</summary>
    public async Task<KissClaim?> ClaimAsync(KissOutboxTarget target, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var own = await target.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var length = (long)o.LeaseDuration.TotalMilliseconds;
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var owner = $"{_instance}/{Interlocked.Increment(ref _claims)}";
            var rows = await KissOutboxStore.ClaimAsync(providers, own.Db, owner, now, now + length, o.ClaimBatchSize, cancellationToken).ConfigureAwait(false);
            if (rows.Count == 0)
            {
                await own.DisposeAsync().ConfigureAwait(false);
                return null;
            }

            var claim = new KissClaim(own, owner, rows, now + length, length);
            claim.StartRenewing((c, token) => RenewLeaseAsync(target, c, token));
            return claim;
        }
        catch
        {
            await own.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Renews the claim's lease now if a renewal is due, rather than count on the background renewal having run: before
    /// a batch is sent, and before it is settled. The first renewal of a context type is due at once: it compiles its
    /// query, which on a loaded machine took longer than a lease (12 to 25 s), and every other slow statement of a batch
    /// counts on the renewal; so it runs before the first batch is sent, and what it finds decides.
    /// <para>
    /// Returns whether the batch is still wholly this instance's: false when another instance took rows of it (their
    /// lease had run out, as it may while a claimed-ahead batch waits for the one being sent, or when the claim itself
    /// took longer than the lease). Such a batch is given back unsent, rather than send calls the other instance sends too.
    /// </para>
    /// </summary>
    public async Task<bool> KeepAsync(KissOutboxTarget target, KissClaim claim, CancellationToken cancellationToken)
    {
        await RenewIfDueAsync(target, claim, cancellationToken).ConfigureAwait(false);
        return !claim.Lost;
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
    /// Extends the lease of a batch while it waits, is being sent and is settled, each time a third of it has passed, so
    /// a slow endpoint or a slow settle does not let another instance take the rows and send them again. A renewal that
    /// failed is tried again a tenth of the lease later.
    /// </summary>
    private async Task RenewLeaseAsync(KissOutboxTarget target, KissClaim claim, CancellationToken cancellationToken)
    {
        var retry = TimeSpan.FromMilliseconds(claim.LeaseLength / 10);
        var failed = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Until the renewal is due: a third of the lease after the clock reading its end counts from.
            var wait = TimeSpan.FromMilliseconds(Math.Max(claim.LeaseEnd - (claim.LeaseLength * 2 / 3) - time.GetUtcNow().ToUnixTimeMilliseconds(), 0));
            await Task.Delay(failed && wait < retry ? retry : wait, time, cancellationToken).ConfigureAwait(false);
            failed = !await RenewIfDueAsync(target, claim, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Renews the claim's lease if a renewal is due (one renewal of a claim at a time); false when the renewal failed.
    /// A database error is the drain's to explain (its settle or next claim meets it too): not logged here, so not once
    /// per renewal.
    /// </summary>
    private async Task<bool> RenewIfDueAsync(KissOutboxTarget target, KissClaim claim, CancellationToken cancellationToken)
    {
        await claim.RenewalGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!claim.RenewalDue(time.GetUtcNow().ToUnixTimeMilliseconds()) && _renewedOnce.ContainsKey(target.ContextType))
            {
                return true;
            }

            await using var own = await target.OpenAsync(cancellationToken).ConfigureAwait(false);
            var until = time.GetUtcNow().ToUnixTimeMilliseconds() + claim.LeaseLength;
            claim.Renewed(until, await KissOutboxStore.RenewAsync(own.Db, claim.Owner, claim.Ids, until, cancellationToken).ConfigureAwait(false));
            _renewedOnce.TryAdd(target.ContextType, true);
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            if (!KissOutboxTable.IsDatabaseError(exception))
            {
                KissLog.DispatcherFailed(logger, exception);
            }

            return false;
        }
        finally
        {
            claim.RenewalGate.Release();
        }
    }
}
