namespace KissEf;

/// <summary>
/// The operator's view of the outbox (resolve it from DI): what is pending and dead, and what to do with dead
/// rows. Covers every DbContext type that uses KissEf's outbox.
/// </summary>
public interface IKissOutbox
{
    /// <summary>Counts pending and dead calls, and the age of the oldest pending one.</summary>
    /// <param name="cancellationToken">Stops the query.</param>
    /// <returns>The state of the outbox.</returns>
    Task<KissOutboxState> GetStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Makes every dead row pending again, due now, with its attempts reset.</summary>
    /// <param name="cancellationToken">Stops the update.</param>
    /// <returns>How many rows were revived.</returns>
    Task<int> RetryDeadAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes dead rows that died more than <paramref name="olderThan"/> ago.</summary>
    /// <param name="olderThan">How long a dead row is kept for inspection.</param>
    /// <param name="cancellationToken">Stops the delete.</param>
    /// <returns>How many rows were deleted.</returns>
    Task<int> PurgeDeadAsync(TimeSpan olderThan, CancellationToken cancellationToken = default);
}
