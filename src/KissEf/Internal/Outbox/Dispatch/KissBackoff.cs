namespace KissEf.Internal.Outbox.Dispatch;

/// <summary>
/// The outbox's retry policy: when a failed row is tried again (exponential backoff with jitter, never before
/// Retry-After), and when it is given up.
/// </summary>
internal static class KissBackoff
{
    /// <summary>
    /// Whether a row that failed its <paramref name="attempts"/>-th attempt, written <paramref name="age"/> ago, is given up:
    /// older than <c>MaxAge</c>, or past <c>OutboxMaxAttempts</c> when set.
    /// </summary>
    public static bool GivesUp(int attempts, TimeSpan age, KissTrackingOptions options)
        => age >= options.MaxAge || attempts >= options.OutboxMaxAttempts;

    public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan maxDelay, TimeSpan? retryAfter)
    {
        var exponent = Math.Min(Math.Max(attempt - 1, 0), 30);
        var raw = Math.Min(baseDelay.TotalMilliseconds * Math.Pow(2, exponent), maxDelay.TotalMilliseconds);

        // ±20% spreads the retries of many rows that failed together.
#pragma warning disable CA5394 // Jitter needs no cryptographic randomness.
        var jittered = raw * (0.8 + (Random.Shared.NextDouble() * 0.4));
#pragma warning restore CA5394
        var delay = TimeSpan.FromMilliseconds(jittered);
        return retryAfter is { } after && after > delay ? after : delay;
    }
}
