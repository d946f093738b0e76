namespace KissEf.Benchmarks.Infrastructure;

/// <summary>A scope's tenant in the multi-tenant benchmarks (set by <see cref="BenchTenants.EnterAsync"/>): its id and its database.</summary>
public sealed class BenchTenantScope
{
    public string? TenantId { get; private set; }

    public IBenchDatabase? Database { get; private set; }

    public void Enter(string tenantId, IBenchDatabase database)
    {
        TenantId = tenantId;
        Database = database;
    }
}
