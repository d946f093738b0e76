using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KissEf.Tests.Support;

/// <summary>Counts the connections EF opens for a context's options (the application's and KissEf's own contexts alike).</summary>
public sealed class ConnectionOpenCounter : DbConnectionInterceptor
{
    private int _opened;

    public int Opened => Volatile.Read(ref _opened);

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Interlocked.Increment(ref _opened);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _opened);
        return Task.CompletedTask;
    }
}
