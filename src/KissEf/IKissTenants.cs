namespace KissEf;

/// <summary>
/// The tenants of a multi-tenant application, as KissEf needs to know them (register one with
/// <see cref="KissTrackingBuilder.UseTenants{TTenants}"/>): with a database (or a schema) per tenant, the outbox rows of
/// a save are in its tenant's database, so the dispatcher works every tenant's database through contexts created in a
/// scope it has entered for that tenant. Registered as a singleton; its methods receive the scope they work on.
/// </summary>
public interface IKissTenants
{
    /// <summary>
    /// Every tenant whose database may hold outbox rows. Read at start and again every
    /// <see cref="KissTrackingOptions.TenantRefreshInterval"/>; a commit in a tenant not yet listed is worked at once.
    /// </summary>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The tenants' ids.</returns>
    ValueTask<IReadOnlyCollection<string>> GetTenantIdsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Makes <paramref name="scope"/>, a new scope of the application's services, the scope of
    /// <paramref name="tenantId"/>: contexts resolved from it afterwards use that tenant's database.
    /// </summary>
    /// <param name="scope">The new scope's service provider.</param>
    /// <param name="tenantId">The tenant to enter.</param>
    /// <param name="cancellationToken">Stops the work.</param>
    /// <returns>A task that completes when the scope is the tenant's.</returns>
    ValueTask EnterAsync(IServiceProvider scope, string tenantId, CancellationToken cancellationToken);

    /// <summary>The tenant of a saving context's scope, or null when the scope has none.</summary>
    /// <param name="scope">The service provider the context was created from.</param>
    /// <returns>The tenant's id, or null.</returns>
    string? GetCurrentTenantId(IServiceProvider scope);

    /// <summary>
    /// The KISSmetrics API key of <paramref name="tenantId"/>'s calls, for an application with one KISSmetrics product
    /// per tenant; null (the default) for the application's key. Read when a call is sent: never logged nor stored.
    /// </summary>
    /// <param name="tenantId">The tenant whose call is being sent.</param>
    /// <returns>The tenant's key, or null.</returns>
    string? GetApiKey(string tenantId) => null;
}
