using System.Data.Common;
using KissEf.Internal.Outbox;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Internal.Providers.Sqlite;

/// <summary>
/// SQLite: the portable claim (one writer, no row locks), polling for other processes' commits, and SQLite's own busy
/// handling on every connection of a context that uses the outbox (<see cref="KissSqliteBusyInterceptor"/>).
/// </summary>
internal sealed class KissSqliteOutboxProvider : KissOutboxProvider
{
    public static readonly KissSqliteOutboxProvider Instance = new();

    private KissSqliteOutboxProvider()
    {
    }

    public override string? ProviderName => "Microsoft.EntityFrameworkCore.Sqlite";

    /// <summary>
    /// The database file's full path (a closed connection's data source is the connection string's, maybe relative); null
    /// for an in-memory database, which is its connection's alone.
    /// </summary>
    public override string? DatabaseIdentity(DbConnection connection)
    {
        var file = connection.DataSource;
        if (string.IsNullOrEmpty(file) || file == ":memory:" || file.Contains("mode=memory", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return file.StartsWith("file:", StringComparison.OrdinalIgnoreCase) ? file : Path.GetFullPath(file);
    }

    // SQLite's error code for both is the generic SQLITE_ERROR (1), and Microsoft.Data.Sqlite sets no SQLSTATE: its
    // messages ("no such table: kiss_outbox", "table kiss_outbox has no column named calls") are SQLite's own, never
    // translated.
    public override bool? IsMissingTable(DbException error)
        => error.Message.Contains("no such table", StringComparison.Ordinal) || error.Message.Contains("has no column named", StringComparison.Ordinal);

    public override void AddContextServices(IServiceCollection services) => services.AddSingleton<IInterceptor, KissSqliteBusyInterceptor>();
}
