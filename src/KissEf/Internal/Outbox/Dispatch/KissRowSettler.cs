using KissEf.Internal.Diagnostics;
using KissEf.Internal.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KissEf.Internal.Outbox.Dispatch;

/// <summary>
/// Settles a sent batch, row by row, from each row's <see cref="KissRowOutcome"/>: deletes what was delivered,
/// reschedules what is worth trying again (<see cref="KissBackoff"/>), buries what is dead (logged, 2007, and counted),
/// then lets the claim go.
/// </summary>
internal sealed class KissRowSettler(IOptions<KissTrackingOptions> options, TimeProvider time, KissMetrics metrics, ILogger logger)
{
    /// <summary>
    /// Deletes the delivered rows and reschedules or buries the others, then lets the claim go. A row is retried until
    /// it is older than <c>MaxAge</c> (or has had <c>OutboxMaxAttempts</c>); calls the endpoint refused (a status other
    /// than 408, 429, 5xx) are dead at once, moved to a dead row of their own when other calls of the row are still
    /// worth trying. Its statements are owner-guarded: a row another instance has taken since is left to that instance.
    /// The claim's lease is renewed beside it until the claim is disposed, at the end, so a slow settle (a process's
    /// first delete compiles its query) does not let the lease run out before the rows are deleted.
    /// </summary>
    public async Task SettleAsync(KissClaim claim, KissRowOutcome[] outcomes)
    {
        await using (claim.ConfigureAwait(false))
        {
            var o = options.Value;
            var delivered = outcomes.Where(r => r.AllDelivered).Select(r => r.Row.Id).ToList();
            if (delivered.Count > 0)
            {
                await KissOutboxStore.DeleteAsync(claim.Db, claim.Owner, delivered, CancellationToken.None).ConfigureAwait(false);
            }

            var now = time.GetUtcNow();
            foreach (var outcome in outcomes.Where(r => !r.AllDelivered))
            {
                var row = outcome.Row;
                var attempts = row.Attempts + 1;
                var expired = KissBackoff.GivesUp(attempts, now - DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt), o);
                var delay = KissBackoff.Delay(attempts, o.RetryBaseDelay, o.MaxRetryDelay, outcome.RetryAfter);
                var next = (now + delay).ToUnixTimeMilliseconds();
                var pending = outcome.Remaining(refused: false);
                var refused = outcome.Remaining(refused: true);
                var retryError = Truncate(outcome.RetryError ?? outcome.Refusal ?? "unknown error", 1000);
                if (pending.Count > 0 && refused.Count > 0 && !expired)
                {
                    var refusal = Truncate(outcome.Refusal!, 1000);
                    if (await KissOutboxStore.RescheduleAndBuryAsync(
                            claim.Db, claim.Owner, row, pending, next, retryError, refused, refusal, now.ToUnixTimeMilliseconds(), CancellationToken.None)
                        .ConfigureAwait(false) is { } deadId)
                    {
                        KissLog.OutboxRowDead(logger, deadId, refused.Count, attempts, refusal);
                        metrics.DeadRow(refused.Calls);
                        KissLog.DeliveryFailed(logger, $"{pending.Count} call(s) of outbox row {row.Id}", attempts, retryError);
                    }

                    continue;
                }

                // One row: all it keeps is dead (refused, or out of time), or all of it is worth trying again.
                var dead = pending.Count == 0 || expired;
                var (calls, count) = outcome.Remaining(refused: null);
                var error = pending.Count == 0 ? Truncate(outcome.Refusal ?? "unknown error", 1000) : retryError;
                await KissOutboxStore.RescheduleAsync(
                    claim.Db,
                    claim.Owner,
                    row,
                    calls,
                    count,
                    next,
                    error,
                    dead ? now.ToUnixTimeMilliseconds() : null,
                    CancellationToken.None).ConfigureAwait(false);
                if (dead)
                {
                    KissLog.OutboxRowDead(logger, row.Id, count, attempts, error);
                    metrics.DeadRow(calls);
                }
                else
                {
                    KissLog.DeliveryFailed(logger, $"{count} call(s) of outbox row {row.Id}", attempts, error);
                }
            }
        }
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];
}
