// The recipe of docs/multi-tenant.md: an IKissTenants over Finbuckle.MultiTenant 10. It follows Finbuckle's documented
// API (IMultiTenantStore<TTenantInfo>, IMultiTenantContextSetter, IMultiTenantContextAccessor<TTenantInfo>, a
// TenantInfo with the ConnectionString its EF Core page adds) and is NOT compiled: this repository's build cannot
// restore Finbuckle. tests/KissEf.Tests/Docs/FinbuckleRecipeTests.cs checks that it implements every IKissTenants
// member and names Finbuckle's members as documented; the tests' own IKissTenants over a store of theirs is compiled
// and run (tests/KissEf.FunctionalTests/Tenants), a GetApiKey that throws included.
using System.Collections.Concurrent;
using Finbuckle.MultiTenant.Abstractions;
using KissEf;
using Microsoft.Extensions.DependencyInjection;

#region finbuckle
public sealed class AppTenantInfo : TenantInfo
{
    public string? ConnectionString { get; init; }   // read by the context's OnConfiguring (Finbuckle's EF Core page)

    public string? KissMetricsKey { get; init; }     // optional: a KISSmetrics product per tenant
}

public sealed class FinbuckleKissTenants(IServiceScopeFactory scopes) : IKissTenants
{
    private readonly ConcurrentDictionary<string, string?> _keys = new();

    public async ValueTask<IReadOnlyCollection<string>> GetTenantIdsAsync(CancellationToken cancellationToken)
    {
        // A scope of its own: a store may be scoped (Finbuckle's EF Core store is).
        await using var scope = scopes.CreateAsyncScope();
        var tenants = (await scope.ServiceProvider.GetRequiredService<IMultiTenantStore<AppTenantInfo>>().GetAllAsync()).ToList();
        foreach (var tenant in tenants)
        {
            _keys[tenant.Id] = tenant.KissMetricsKey;
        }

        return [.. tenants.Select(t => t.Id)];
    }

    public async ValueTask EnterAsync(IServiceProvider scope, string tenantId, CancellationToken cancellationToken)
    {
        var tenant = await scope.GetRequiredService<IMultiTenantStore<AppTenantInfo>>().GetAsync(tenantId)
            ?? throw new InvalidOperationException($"Tenant '{tenantId}' is not in the store.");
        _keys[tenant.Id] = tenant.KissMetricsKey;
        scope.GetRequiredService<IMultiTenantContextSetter>().MultiTenantContext = new MultiTenantContext<AppTenantInfo>(tenant);
    }

    public string? GetCurrentTenantId(IServiceProvider scope)
        => scope.GetService<IMultiTenantContextAccessor<AppTenantInfo>>()?.MultiTenantContext?.TenantInfo?.Id;

    // Synchronous: the keys read with the tenants. A tenant not read yet throws, so that its calls wait for the next
    // attempt instead of going out with the application's key.
    public string? GetApiKey(string tenantId)
        => _keys.TryGetValue(tenantId, out var key) ? key : throw new KeyNotFoundException($"Tenant '{tenantId}' has not been read yet.");
}
#endregion
