namespace KissEf.Internal.Outbox;

/// <summary>
/// An outbox table that could not be read (its database down, its table missing), or a tenant that could not be entered
/// to find its table: what <see cref="KissOutboxReading"/> keeps of it.
/// </summary>
/// <param name="Label">How logs name the table: its context type, and its tenant.</param>
/// <param name="Tenants">The tenants whose rows the table holds (none without tenants, or for a table of no tenant).</param>
/// <param name="Exception">Why: the explained exception (<see cref="KissOutboxTable.ExplainAsync"/>) when the database or the table is the cause.</param>
internal sealed record KissOutboxFailure(string Label, IReadOnlyList<string> Tenants, Exception Exception)
{
    /// <summary>Its tenants, or its label when it has none.</summary>
    public IReadOnlyList<string> Names => Tenants.Count > 0 ? Tenants : [Label];
}
