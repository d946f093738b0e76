namespace KissEf.Internal.Outbox;

/// <summary>
/// One outbox table the dispatcher works: a DbContext type's table, in the application's one database, or (with
/// <c>UseTenants</c>) in the database of the tenants listed here. KissEf's own contexts for it are created in a scope
/// entered for <see cref="TenantId"/>, the first tenant found on that database; the other tenants listed share the
/// table (<see cref="KissOutboxTargets"/> tells them by their database, see <see cref="Key"/>).
/// </summary>
internal sealed class KissOutboxTarget
{
    private readonly IServiceProvider _services;
    private readonly IKissTenants? _tenants;
    private readonly Lock _gate = new();
    private string[] _tenantIds;

    public KissOutboxTarget(IServiceProvider services, Type contextType, IKissTenants? tenants, string? tenantId, string key)
    {
        _services = services;
        _tenants = tenants;
        ContextType = contextType;
        TenantId = tenantId;
        Key = key;
        _tenantIds = tenantId is null ? [] : [tenantId];
        Label = tenantId is null ? contextType.Name : $"{contextType.Name} (tenant {tenantId})";
    }

    public Type ContextType { get; }

    /// <summary>The tenant whose scope KissEf's contexts for this table are created in; null without tenants.</summary>
    public string? TenantId { get; }

    /// <summary>What tells this table from every other: the context type, the database, the table's schema and name.</summary>
    public string Key { get; }

    /// <summary>How logs and errors name it: the context type, and the tenant when there is one.</summary>
    public string Label { get; }

    /// <summary>The tenants whose rows this table holds (none without tenants).</summary>
    public IReadOnlyList<string> TenantIds => Volatile.Read(ref _tenantIds);

    /// <summary>Adds a tenant found on the same database.</summary>
    public void Share(string tenantId)
    {
        lock (_gate)
        {
            if (Array.IndexOf(_tenantIds, tenantId) < 0)
            {
                Volatile.Write(ref _tenantIds, [.. _tenantIds, tenantId]);
            }
        }
    }

    /// <summary>A context of KissEf's own for this table, in a new scope (entered for <see cref="TenantId"/>).</summary>
    public ValueTask<KissOwnContext> OpenAsync(CancellationToken cancellationToken)
        => KissOwnContext.OpenAsync(_services, ContextType, _tenants, TenantId, cancellationToken);
}
