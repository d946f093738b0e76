using KissEf.Internal.Building;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Internal.Capture;

/// <summary>
/// What committed, as the delivery needs it after the context may be gone: the context type and, with
/// <c>UseTenants</c>, the tenant of the context's scope (so that the commit wakes the worker of its tenant's database).
/// </summary>
internal readonly record struct KissCommitOrigin(Type ContextType, string? TenantId)
{
    /// <summary>The origin of a commit of <paramref name="context"/>; its tenant read only when the application has tenants.</summary>
    public static KissCommitOrigin Of(DbContext context, IKissTenants? tenants)
        => new(context.GetType(), tenants is null ? null : TenantOf(context, tenants));

    /// <summary>The tenant of <paramref name="context"/>'s scope; null when it has none, or when the application's code fails.</summary>
    public static string? TenantOf(DbContext context, IKissTenants tenants)
    {
        try
        {
            return KissApplicationServices.Of(context) is { } scope ? tenants.GetCurrentTenantId(scope) : null;
        }
#pragma warning disable CA1031 // After a commit nothing may fail the save: the commit wakes the no-tenant worker, and the poll finds the rows.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }
}
