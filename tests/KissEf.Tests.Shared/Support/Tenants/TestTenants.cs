using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Support.Tenants;

/// <summary>
/// The tests' <see cref="IKissTenants"/>, written as an application writes one over its tenant store and its tenant
/// setter: the tenants are the store's, entering a tenant sets the scope's <see cref="TenantContext"/> (an unknown tenant
/// fails, as a store lookup does), and a scope's tenant is its <see cref="TenantContext"/>'s.
/// </summary>
public sealed class TestTenants(TenantStore store) : IKissTenants
{
    public ValueTask<IReadOnlyCollection<string>> GetTenantIdsAsync(CancellationToken cancellationToken) => ValueTask.FromResult(store.Ids);

    public ValueTask EnterAsync(IServiceProvider scope, string tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        store.CountEnter(tenantId);
        _ = store.ConnectionStringOf(tenantId);
        scope.GetRequiredService<TenantContext>().Id = tenantId;
        return ValueTask.CompletedTask;
    }

    public string? GetCurrentTenantId(IServiceProvider scope) => scope.GetService<TenantContext>()?.Id;
}
