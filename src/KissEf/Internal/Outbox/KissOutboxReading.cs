namespace KissEf.Internal.Outbox;

/// <summary>
/// One reading of every outbox table (<see cref="KissOutboxAdmin.ReadAsync"/>): the state of the tables that could be
/// read (with tenants, broken down by tenant), each table's own figures, and what could not be read with the reason.
/// With a database per tenant one tenant's database may be down while the others work: the health check reports the
/// others' figures and names it, the gauges report the tables read, and <see cref="IKissOutbox.GetStateAsync"/>, whose
/// totals would be wrong without it, throws.
/// </summary>
/// <param name="State">The totals of the tables read (with tenants, <see cref="KissOutboxState.Tenants"/> too).</param>
/// <param name="Tables">Each table read, by the tenant KissEf enters to work it (null: a table of no tenant).</param>
/// <param name="Failures">Each table (or tenant) that could not be read.</param>
internal sealed record KissOutboxReading(
    KissOutboxState State,
    IReadOnlyList<(string? Tenant, KissOutboxState State)> Tables,
    IReadOnlyList<KissOutboxFailure> Failures)
{
    /// <summary>True when something could not be read and nothing could: the outbox is down, not one tenant's part.</summary>
    public bool NoneRead => Failures.Count > 0 && Tables.Count == 0;

    /// <summary>Who could not be read: each failure's tenants (a table of no tenant by its label).</summary>
    public IReadOnlyList<string> Unreadable => [.. Failures.SelectMany(f => f.Names)];
}
