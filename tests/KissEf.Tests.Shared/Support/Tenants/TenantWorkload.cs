namespace KissEf.Tests.Support.Tenants;

/// <summary>
/// Concurrent writers in many tenants: <see cref="WriteAsync"/> runs several writer tasks per tenant, all at once, each
/// committing saves of a few users, and returns the keys of the calls committed (each tenant's first save also adds
/// <c>ann@example.com</c>, the same person in every tenant, so the expected calls are a multiset).
/// </summary>
public static class TenantWorkload
{
    public const string Shared = "ann@example.com";

    public static string Email(string tenant, int writer, int save, int user) => $"w{writer}s{save}u{user}@{tenant}.test";

    public static async Task<IReadOnlyList<string>> WriteAsync(
        TenantTestHost host, IReadOnlyCollection<string> tenants, int writersPerTenant, int savesPerWriter, int usersPerSave)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(tenants);
        await Task.WhenAll(tenants.SelectMany(tenant => Enumerable.Range(0, writersPerTenant).Select(writer => Task.Run(async () =>
        {
            for (var save = 0; save < savesPerWriter; save++)
            {
                await host.AddUsersAsync(tenant, Users(tenant, writer, save, usersPerSave));
            }
        }))));
        return Expected(tenants, writersPerTenant, savesPerWriter, usersPerSave);
    }

    /// <summary>The keys of the calls <see cref="WriteAsync"/> commits, written out independently of it.</summary>
    public static IReadOnlyList<string> Expected(IEnumerable<string> tenants, int writersPerTenant, int savesPerWriter, int usersPerSave)
        => [.. tenants.SelectMany(tenant =>
            from writer in Enumerable.Range(0, writersPerTenant)
            from save in Enumerable.Range(0, savesPerWriter)
            from user in Enumerable.Range(0, usersPerSave)
            select Email(tenant, writer, save, user))
            .Concat(tenants.Select(_ => Shared))
            .Select(TenantTestHost.SignedUp)];

    private static IEnumerable<string> Users(string tenant, int writer, int save, int usersPerSave)
    {
        var users = Enumerable.Range(0, usersPerSave).Select(user => Email(tenant, writer, save, user));
        return writer == 0 && save == 0 ? users.Append(Shared) : users;
    }
}
