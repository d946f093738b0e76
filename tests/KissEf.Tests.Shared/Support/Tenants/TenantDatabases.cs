using KissEf.Tests.Postgres;

namespace KissEf.Tests.Support.Tenants;

/// <summary>
/// A database per tenant on either provider (<see cref="TenantSqliteFiles"/>, or <see cref="PostgresTenantDatabases"/>
/// on the private server), added to a <see cref="TenantStore"/>, for the tests that run on both; gone on dispose.
/// </summary>
public sealed class TenantDatabases : IAsyncDisposable
{
    private readonly TenantSqliteFiles? _files;
    private readonly PostgresTenantDatabases? _postgres;

    private TenantDatabases(TenantSqliteFiles? files, PostgresTenantDatabases? postgres)
        => (_files, _postgres) = (files, postgres);

    /// <summary>The tenants' ids, in order.</summary>
    public IReadOnlyList<string> Ids => _files?.Ids ?? _postgres!.Ids;

    public static async Task<TenantDatabases> CreateAsync(Provider provider, TenantStore store, int count)
        => provider == Provider.Postgres
            ? new TenantDatabases(null, await PostgresTenantDatabases.CreateAsync(store, count))
            : new TenantDatabases(new TenantSqliteFiles(store, count), null);

    public async ValueTask DisposeAsync()
    {
        _files?.Dispose();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}
