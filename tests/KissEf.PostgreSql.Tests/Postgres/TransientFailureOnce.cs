using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace KissEf.Tests.Postgres;

/// <summary>Once armed, fails the next INSERT into the customers table with an error Npgsql calls transient.</summary>
public sealed class TransientFailureOnce : DbCommandInterceptor
{
    private int _armed;

    public bool Fired { get; private set; }

    public void Arm()
    {
        Fired = false;
        Volatile.Write(ref _armed, 1);
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command,
        CommandEventData eventData,
        InterceptionResult<DbDataReader> result,
        CancellationToken cancellationToken = default)
    {
        if (command.CommandText.Contains("INSERT INTO \"Customers\"", StringComparison.Ordinal)
            && Interlocked.Exchange(ref _armed, 0) == 1)
        {
            Fired = true;
            throw new NpgsqlException("injected transient failure", new TimeoutException());
        }

        return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }
}
