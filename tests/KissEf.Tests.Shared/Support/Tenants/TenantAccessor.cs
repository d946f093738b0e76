namespace KissEf.Tests.Support.Tenants;

/// <summary>A tenant of the multi-tenant test applications.</summary>
public sealed record TenantInfo(string Id);

/// <summary>
/// The tenant of the current flow, kept in an <see cref="AsyncLocal{T}"/> as Finbuckle's
/// <c>IMultiTenantContextAccessor</c> keeps it: set while a request of a tenant runs, null elsewhere (KissEf's
/// dispatcher, a start-up task). A singleton of the test application.
/// </summary>
public sealed class TenantAccessor
{
    private readonly AsyncLocal<TenantInfo?> _current = new();

    /// <summary>The tenant of the flow, or null outside a tenant.</summary>
    public TenantInfo? Current => _current.Value;

    /// <summary>Makes <paramref name="tenantId"/> the tenant of the calling flow until the result is disposed.</summary>
    public IDisposable Enter(string tenantId)
    {
        var previous = _current.Value;
        _current.Value = new TenantInfo(tenantId);
        return new Exit(this, previous);
    }

    private sealed class Exit(TenantAccessor accessor, TenantInfo? previous) : IDisposable
    {
        public void Dispose() => accessor._current.Value = previous;
    }
}
