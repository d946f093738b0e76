namespace KissEf;

/// <summary>Sends committed calls. Resolve it from DI.</summary>
public interface IKissDispatcher
{
    /// <summary>
    /// Returns when every call committed before this call has been sent or has failed its attempt: what a
    /// short-lived process calls before it exits.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the calls have had their attempt.</returns>
    Task FlushAsync(CancellationToken cancellationToken = default);
}
