using KissEf.Tests.Postgres;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.Support;

/// <summary>The database a test runs on: SQLite (a file) or PostgreSQL (a fresh database on the shared private server).</summary>
public enum Provider
{
    Sqlite,
    Postgres,
}

/// <summary>Making a test's database and pointing a context at it, on either provider.</summary>
public static class Providers
{
    /// <summary>Both providers, for a theory's data.</summary>
    public static readonly Provider[] All = [Provider.Sqlite, Provider.Postgres];

    /// <summary>The connection string of a new, empty database: <paramref name="sqlite"/>'s file, or a new PostgreSQL database.</summary>
    public static async Task<string> CreateDatabaseAsync(Provider provider, Infrastructure.SqliteDatabase sqlite)
    {
        ArgumentNullException.ThrowIfNull(sqlite);
        return provider == Provider.Sqlite ? sqlite.ConnectionString : (await SharedPostgres.GetAsync()).CreateDatabase();
    }

    /// <summary>UseSqlite or UseNpgsql on <paramref name="connectionString"/>.</summary>
    public static DbContextOptionsBuilder Use(this DbContextOptionsBuilder builder, Provider provider, string connectionString)
        => provider == Provider.Sqlite ? builder.UseSqlite(connectionString) : builder.UseNpgsql(connectionString);

    /// <summary>UseSqlite or UseNpgsql on <paramref name="connectionString"/>.</summary>
    public static DbContextOptionsBuilder<TContext> Use<TContext>(this DbContextOptionsBuilder<TContext> builder, Provider provider, string connectionString)
        where TContext : DbContext
        => provider == Provider.Sqlite ? builder.UseSqlite(connectionString) : builder.UseNpgsql(connectionString);

    /// <summary>The provider of a connection string made by <see cref="CreateDatabaseAsync"/>.</summary>
    public static Provider Of(string connectionString)
        => connectionString.StartsWith("Host=", StringComparison.Ordinal) ? Provider.Postgres : Provider.Sqlite;
}
