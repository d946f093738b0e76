namespace Shop.Maps;

/// <summary>The tenant of the current request: a scoped service of a multi-tenant application.</summary>
public interface ITenantContext
{
    string? Id { get; }
}
