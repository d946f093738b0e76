using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Tenants;

#region tenants
/// <summary>KissEf's view of the application's tenants: its tenant store, and the scoped current tenant.</summary>
public sealed class SaasTenants(SaasTenantDirectory directory) : IKissTenants
{
    public ValueTask<IReadOnlyCollection<string>> GetTenantIdsAsync(CancellationToken cancellationToken)
        => ValueTask.FromResult<IReadOnlyCollection<string>>([.. directory.All.Select(t => t.Id)]);

    public ValueTask EnterAsync(IServiceProvider scope, string tenantId, CancellationToken cancellationToken)
    {
        var tenant = directory.Find(tenantId);
        if (tenant?.ConnectionString is null)
        {
            throw new InvalidOperationException($"Tenant '{tenantId}' has no database yet.");
        }

        scope.GetRequiredService<SaasTenantScope>().Current = tenant;
        return ValueTask.CompletedTask;
    }

    public string? GetCurrentTenantId(IServiceProvider scope)
        => scope.GetService<SaasTenantScope>()?.Current?.Id;

    // Optional: a KISSmetrics product per tenant (null: the application's key).
    public string? GetApiKey(string tenantId)
        => directory.Find(tenantId)?.KissMetricsKey;
}
#endregion
