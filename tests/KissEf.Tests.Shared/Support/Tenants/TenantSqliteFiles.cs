using KissEf.Tests.Infrastructure;

namespace KissEf.Tests.Support.Tenants;

/// <summary>A SQLite file per tenant (<c>t000</c>, <c>t001</c>, …), added to a <see cref="TenantStore"/>; deleted on dispose.</summary>
public sealed class TenantSqliteFiles : IDisposable
{
    private readonly List<SqliteDatabase> _files = [];

    public TenantSqliteFiles(TenantStore store, int count, string prefix = "t")
    {
        ArgumentNullException.ThrowIfNull(store);
        for (var i = 0; i < count; i++)
        {
            Add(store, $"{prefix}{i:000}");
        }
    }

    /// <summary>The tenants' ids, in order.</summary>
    public List<string> Ids { get; } = [];

    /// <summary>The file of each tenant.</summary>
    public Dictionary<string, SqliteDatabase> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>Another tenant with a file of its own, added to <paramref name="store"/>.</summary>
    public SqliteDatabase Add(TenantStore store, string id)
    {
        ArgumentNullException.ThrowIfNull(store);
        var file = new SqliteDatabase();
        _files.Add(file);
        Ids.Add(id);
        Files[id] = file;
        store.Add(id, file.ConnectionString);
        return file;
    }

    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }
}
