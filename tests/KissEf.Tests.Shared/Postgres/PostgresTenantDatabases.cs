using KissEf.Tests.Support.Tenants;
using Npgsql;

namespace KissEf.Tests.Postgres;

/// <summary>
/// A PostgreSQL database per tenant on the tests' private server (<c>CREATE DATABASE</c> each), added to a
/// <see cref="TenantStore"/>; dropped on dispose. It also reads the server's <c>pg_stat_activity</c>: how many
/// connections the tenants' databases have, and whether any backend listens.
/// </summary>
public sealed class PostgresTenantDatabases : IAsyncDisposable
{
    private readonly string _admin;
    private readonly string _prefix = "kt" + Guid.NewGuid().ToString("N")[..8] + "_";
    private readonly string _template;

    private PostgresTenantDatabases(string admin, string template)
    {
        _admin = admin;
        _template = template;
    }

    /// <summary>The tenants' ids, in order.</summary>
    public List<string> Ids { get; } = [];

    /// <summary>The database name of each tenant.</summary>
    public Dictionary<string, string> Databases { get; } = new(StringComparer.Ordinal);

    public static async Task<PostgresTenantDatabases> CreateAsync(TenantStore store, int count, string prefix = "t")
    {
        ArgumentNullException.ThrowIfNull(store);

        // A connection string of the server's (a database made for it), pointed at the maintenance database, unpooled.
        var template = (await SharedPostgres.GetAsync()).CreateDatabase();
        var admin = new NpgsqlConnectionStringBuilder(template) { Database = "postgres", Pooling = false }.ConnectionString;
        var databases = new PostgresTenantDatabases(admin, template);
        try
        {
            // Four at once: a CREATE DATABASE takes about a second on a loaded machine.
            var names = Enumerable.Range(0, count).Select(i => ($"{prefix}{i:000}", databases.NameOf(i))).ToList();
            await Parallel.ForEachAsync(
                names,
                new ParallelOptions { MaxDegreeOfParallelism = 4 },
                async (name, _) => await databases.ExecuteAsync($"CREATE DATABASE \"{name.Item2}\""));
            foreach (var (id, name) in names)
            {
                databases.Added(store, id, name);
            }
        }
        catch
        {
            await databases.DisposeAsync();
            throw;
        }

        return databases;
    }

    /// <summary>Another tenant with a new, empty database of its own.</summary>
    public async Task AddAsync(TenantStore store, string id)
    {
        ArgumentNullException.ThrowIfNull(store);
        var name = NameOf(Ids.Count);
        await ExecuteAsync($"CREATE DATABASE \"{name}\"");
        Added(store, id, name);
    }

    /// <summary>Drops <paramref name="id"/>'s database, its open connections cut.</summary>
    public async Task DropAsync(string id)
    {
        await ExecuteAsync($"DROP DATABASE \"{Databases[id]}\" WITH (FORCE)");
        Databases.Remove(id);
    }

    /// <summary>How many server connections are open on the tenants' databases now.</summary>
    public Task<long> CountConnectionsAsync()
        => ScalarAsync($"SELECT count(*) FROM pg_stat_activity WHERE datname LIKE '{_prefix}%'");

    /// <summary>How many connections on the tenants' databases listen (a listening connection sits idle after its LISTEN).</summary>
    public Task<long> CountListenersAsync() => CountListenersAsync(_prefix + "%");

    /// <summary>How many connections on the databases named like <paramref name="databases"/> (SQL LIKE) listen.</summary>
    public Task<long> CountListenersAsync(string databases)
        => ScalarAsync($"SELECT count(*) FROM pg_stat_activity WHERE datname LIKE '{databases}' AND query ILIKE 'LISTEN %'");

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await Parallel.ForEachAsync(Databases.Values, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (name, _) =>
        {
            try
            {
                await ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            }
            catch (NpgsqlException)
            {
                // The server went away first: nothing to clean.
            }
        });
    }

    private string NameOf(int index) => _prefix + index.ToString("000", System.Globalization.CultureInfo.InvariantCulture);

    private void Added(TenantStore store, string id, string name)
    {
        Ids.Add(id);
        Databases[id] = name;
        store.Add(id, new NpgsqlConnectionStringBuilder(_template) { Database = name }.ConnectionString);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
