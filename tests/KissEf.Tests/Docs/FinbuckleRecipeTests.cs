using KissEf.Tests.Support;

namespace KissEf.Tests.Docs;

/// <summary>
/// The Finbuckle recipe of docs/multi-tenant.md is not compiled (Finbuckle cannot be restored here): it implements
/// every member of <see cref="IKissTenants"/> as the interface declares it, and uses Finbuckle.MultiTenant 10's
/// documented API by its names, so that a change of either shows here.
/// </summary>
public sealed class FinbuckleRecipeTests
{
    private static readonly string Recipe = File.ReadAllText(Path.Combine(Repository.Root(), "docs", "samples", "Finbuckle", "FinbuckleKissTenants.cs"));

    [Fact]
    public void The_recipe_implements_every_IKissTenants_member_with_its_parameters()
    {
        var members = typeof(IKissTenants).GetMethods();
        Assert.Equal(4, members.Length);
        foreach (var member in members)
        {
            var parameters = string.Join(", ", member.GetParameters().Select(p => $"{p.ParameterType.Name switch { "String" => "string", var name => name }} {p.Name}"));
            Assert.Contains($" {member.Name}({parameters})", Recipe, StringComparison.Ordinal);
        }

        Assert.Contains("public sealed class FinbuckleKissTenants(IServiceScopeFactory scopes) : IKissTenants", Recipe, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("using Finbuckle.MultiTenant.Abstractions;")]
    [InlineData("public sealed class AppTenantInfo : TenantInfo")]
    [InlineData("GetRequiredService<IMultiTenantStore<AppTenantInfo>>().GetAllAsync()")]
    [InlineData("GetRequiredService<IMultiTenantStore<AppTenantInfo>>().GetAsync(tenantId)")]
    [InlineData("GetRequiredService<IMultiTenantContextSetter>().MultiTenantContext = new MultiTenantContext<AppTenantInfo>(tenant);")]
    [InlineData("GetService<IMultiTenantContextAccessor<AppTenantInfo>>()?.MultiTenantContext?.TenantInfo?.Id")]
    public void The_recipe_uses_Finbuckles_documented_api(string use)
        => Assert.Contains(use, Recipe, StringComparison.Ordinal);
}
