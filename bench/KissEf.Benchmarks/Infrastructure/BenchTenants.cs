using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Benchmarks.Infrastructure;

/// <summary>
/// The tenants of the multi-tenant benchmarks (issue 17), a database each: the tenant ids are the keys of the
/// registered map, entering a tenant sets the scope's <see cref="BenchTenantScope"/>, whose database the scope's contexts
/// open (as an application reads its tenant's connection string in its context's options).
/// </summary>
public sealed class BenchTenants(IReadOnlyDictionary<string, IBenchDatabase> databases) : IKissTenants
{
    private readonly IReadOnlyCollection<string> _ids = [.. databases.Keys];

    public ValueTask<IReadOnlyCollection<string>> GetTenantIdsAsync(CancellationToken cancellationToken) => new(_ids);

    public ValueTask EnterAsync(IServiceProvider scope, string tenantId, CancellationToken cancellationToken)
    {
        scope.GetRequiredService<BenchTenantScope>().Enter(tenantId, databases[tenantId]);
        return ValueTask.CompletedTask;
    }

    public string? GetCurrentTenantId(IServiceProvider scope) => scope.GetService<BenchTenantScope>()?.TenantId;
}
