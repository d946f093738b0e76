using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace KissEf.Tests.Postgres;

/// <summary>
/// Fails every renewal of a lease (the UPDATE that sets only the lease's expiry) with a database error, as a database
/// that this instance can no longer write to would: the leases it claims run out on their own.
/// </summary>
public sealed class FailingRenewals : DbCommandInterceptor
{
    private int _failed;

    /// <summary>How many renewals were failed.</summary>
    public int Failed => Volatile.Read(ref _failed);

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command,
        CommandEventData eventData,
        InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        if (command.CommandText.Contains("SET lease_expires_at = ", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _failed);
            throw new NpgsqlException("injected: the lease cannot be renewed");
        }

        return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
    }
}
