namespace KissEf;

/// <summary>
/// The operator's view of the outbox (resolve it from DI): what is pending and dead, and what to do with dead
/// rows. Covers every DbContext type that uses KissEf's outbox.
/// </summary>
public interface IKissOutbox
{
    /// <summary>
    /// Counts pending and dead calls, and the age of the oldest pending one. With <c>UseTenants</c> it reads every
    /// tenant's database, with the state of each in <see cref="KissOutboxState.Tenants"/>. The state of each context
    /// type's table is in <see cref="KissOutboxState.Contexts"/>.
    /// </summary>
    /// <param name="cancellationToken">Stops the query.</param>
    /// <returns>The state of the outbox.</returns>
    /// <exception cref="InvalidOperationException">
    /// An outbox table cannot be read (its database is down, or it is not migrated), or with tenants a tenant cannot be
    /// entered: the message names it (the context, and the tenant), after every other table was read. The health check
    /// reports such a tenant and the others' figures instead.
    /// </exception>
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

    /// <summary>
    /// The dead rows grouped by how they failed (<see cref="KissDeadGroup.Key"/>), largest group first, across every
    /// outbox table (with <c>UseTenants</c>, every tenant database). Read a page of rows at a time: memory does not grow
    /// with the dead rows, only with the groups.
    /// </summary>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <returns>The groups; empty when nothing is dead.</returns>
    Task<IReadOnlyList<KissDeadGroup>> GetDeadGroupsAsync(CancellationToken cancellationToken = default);

    /// <summary>Makes the dead rows of group <paramref name="groupKey"/> pending again, due now, with their attempts reset.</summary>
    /// <param name="groupKey">A <see cref="KissDeadGroup.Key"/>.</param>
    /// <param name="cancellationToken">Stops the update (the pages done stay done).</param>
    /// <returns>How many rows were made pending; 0 for a key no dead row has.</returns>
    Task<int> RetryDeadAsync(string groupKey, CancellationToken cancellationToken = default);

    /// <summary>Deletes the dead rows of group <paramref name="groupKey"/>.</summary>
    /// <param name="groupKey">A <see cref="KissDeadGroup.Key"/>.</param>
    /// <param name="cancellationToken">Stops the delete (the pages done stay done).</param>
    /// <returns>How many rows were deleted; 0 for a key no dead row has.</returns>
    Task<int> PurgeDeadAsync(string groupKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes every pending and dead call about <paramref name="person"/> from every outbox table (with
    /// <c>UseTenants</c>, every tenant database): the events and property sets whose person it is, and the aliases that
    /// name it on either side, compared as the vendor compares identities (ignoring case). A row a dispatcher is sending
    /// at that moment is waited for (until it is settled, or its lease runs out), then rewritten, so no call about the
    /// person is sent after this returns. What was delivered before is the vendor's: delete the person in its UI.
    /// </summary>
    /// <param name="person">The identity (<c>_p</c>) to forget, for example an e-mail address.</param>
    /// <param name="cancellationToken">Stops the work (the rows done stay done).</param>
    /// <returns>How many pending and dead calls were removed.</returns>
    /// <exception cref="ArgumentException"><paramref name="person"/> is null, empty or white space.</exception>
    Task<KissForgetReport> ForgetAsync(string person, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts pending and dead calls in <paramref name="tenantId"/>'s database (with <c>UseTenants</c>; tenants that
    /// share a database share its figures), with each context type's table in <see cref="KissOutboxState.Contexts"/>.
    /// </summary>
    /// <param name="tenantId">The tenant, as <see cref="IKissTenants"/> names it.</param>
    /// <param name="cancellationToken">Stops the query.</param>
    /// <returns>The state of the tenant's outbox.</returns>
    Task<KissOutboxState> GetTenantStateAsync(string tenantId, CancellationToken cancellationToken = default);

    /// <summary>Makes every dead row of <paramref name="tenantId"/>'s database pending again, due now.</summary>
    /// <param name="tenantId">The tenant, as <see cref="IKissTenants"/> names it.</param>
    /// <param name="cancellationToken">Stops the update.</param>
    /// <returns>How many rows were revived.</returns>
    Task<int> RetryTenantDeadAsync(string tenantId, CancellationToken cancellationToken = default);

    /// <summary>Deletes the dead rows of <paramref name="tenantId"/>'s database that died more than <paramref name="olderThan"/> ago.</summary>
    /// <param name="tenantId">The tenant, as <see cref="IKissTenants"/> names it.</param>
    /// <param name="olderThan">How long a dead row is kept for inspection.</param>
    /// <param name="cancellationToken">Stops the delete.</param>
    /// <returns>How many rows were deleted.</returns>
    Task<int> PurgeTenantDeadAsync(string tenantId, TimeSpan olderThan, CancellationToken cancellationToken = default);
}
