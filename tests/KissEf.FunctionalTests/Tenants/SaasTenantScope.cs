namespace KissEf.Tests.Tenants;

/// <summary>
/// The current tenant of a scope of the test application (scoped): set by its request pipeline, or by
/// <see cref="SaasTenants.EnterAsync"/> for KissEf's own scopes.
/// </summary>
public sealed class SaasTenantScope
{
    public SaasTenant? Current { get; set; }
}
