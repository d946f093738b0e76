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

    /// <summary>
    /// Returns when every call committed in <paramref name="tenantId"/>'s database before this call has been sent or
    /// has failed its attempt (with <c>UseTenants</c>; without tenants, or for a dispatcher that does not tell tenants
    /// apart, the same as <see cref="FlushAsync(CancellationToken)"/>).
    /// </summary>
    /// <param name="tenantId">The tenant, as <see cref="IKissTenants"/> names it.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the tenant's calls have had their attempt.</returns>
    Task FlushTenantAsync(string tenantId, CancellationToken cancellationToken = default) => FlushAsync(cancellationToken);
}
