using Microsoft.EntityFrameworkCore;

namespace SampleApp;

/// <summary>
/// The shop's database provider, chosen by configuration (<c>Database:Provider</c>): SQLite unless told
/// <c>PostgreSQL</c>, so that the same executable, and its <c>kissef</c> commands, run against either (the process tests
/// run both).
/// </summary>
internal sealed class ShopDatabase
{
    private readonly bool _postgres;
    private readonly string _connectionString;

    private ShopDatabase(bool postgres, string connectionString)
    {
        _postgres = postgres;
        _connectionString = connectionString;
    }

    /// <summary>The provider named by <paramref name="provider"/> (case-insensitive; null or empty: SQLite).</summary>
    /// <exception cref="InvalidOperationException">Neither SQLite nor PostgreSQL.</exception>
    public static ShopDatabase From(string? provider, string connectionString) => provider?.Trim().ToUpperInvariant() switch
    {
        null or "" or "SQLITE" => new ShopDatabase(postgres: false, connectionString),
        "POSTGRESQL" or "POSTGRES" or "NPGSQL" => new ShopDatabase(postgres: true, connectionString),
        _ => throw new InvalidOperationException(
            $"Database:Provider is '{provider}': the sample runs on 'Sqlite' (the default) or 'PostgreSQL'."),
    };

    /// <summary>Points <paramref name="options"/> at the shop's database.</summary>
    public T Use<T>(T options)
        where T : DbContextOptionsBuilder
    {
        _ = _postgres ? options.UseNpgsql(_connectionString) : options.UseSqlite(_connectionString);
        return options;
    }
}
