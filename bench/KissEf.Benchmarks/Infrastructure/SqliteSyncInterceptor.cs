using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KissEf.Benchmarks.Infrastructure;

/// <summary>
/// Sets SQLite's <c>PRAGMA synchronous</c> on every connection the benchmarks' contexts open (the dispatcher's
/// included). With the default (FULL) every commit waits for fsync, which on a shared virtual disk takes tens to
/// hundreds of milliseconds with a spread that buries the CPU cost being measured; see the --sync option in ProbeCommands.
/// </summary>
public sealed class SqliteSyncInterceptor(string mode) : DbConnectionInterceptor
{
    public string Mode { get; } = mode;

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private void Apply(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous = " + Mode;
        command.ExecuteNonQuery();
    }
}
