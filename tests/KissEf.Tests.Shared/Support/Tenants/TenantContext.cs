namespace KissEf.Tests.Support.Tenants;

// This folder (but TenantTestHost and TenantDatabases) is compiled into tests/KissEf.DispatcherHost too (linked), so that
// a dispatcher child process and the test that writes its tenants' rows share one model, one map and one tenant store
// format. Nothing here may use xunit or the test library's other helpers.

/// <summary>
/// The current tenant of a scope, as a multi-tenant application keeps it (Finbuckle's <c>IMultiTenantContextAccessor</c>,
/// fullstackhero's tenant info): scoped, set by the tenant resolution of a request, or by <see cref="TestTenants.EnterAsync"/>.
/// </summary>
public sealed class TenantContext
{
    /// <summary>The tenant's id, or null for a scope outside any tenant.</summary>
    public string? Id { get; set; }
}
