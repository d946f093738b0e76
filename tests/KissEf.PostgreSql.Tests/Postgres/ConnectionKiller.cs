using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace KissEf.Tests.Postgres;

/// <summary>
/// Once armed, cuts the server connection of the next INSERT into the customers table: a second connection runs
/// <c>pg_terminate_backend</c> on the save's backend, before the INSERT is sent (<see cref="Moment.Before"/>) or right
/// after it ran, before KissEf writes the outbox rows (<see cref="Moment.After"/>). A real connection fault, not a
/// thrown exception.
/// </summary>
public sealed class ConnectionKiller(string connectionString) : DbCommandInterceptor
{
    private int _armed;

    public enum Moment
    {
        Before,
        After,
    }

    public Moment When { get; set; }

    public bool Fired { get; private set; }

    public void Arm(Moment when)
    {
        When = when;
        Fired = false;
        Volatile.Write(ref _armed, 1);
    }

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        if (When == Moment.Before && Matches(command))
        {
            await KillAsync(command, cancellationToken);
        }

        return await base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override async ValueTask<DbDataReader> ReaderExecutedAsync(
        DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
    {
        if (When == Moment.After && Matches(command))
        {
            await KillAsync(command, cancellationToken);
        }

        return await base.ReaderExecutedAsync(command, eventData, result, cancellationToken);
    }

    private bool Matches(DbCommand command)
        => command.CommandText.Contains("INSERT INTO customers", StringComparison.Ordinal) && Interlocked.Exchange(ref _armed, 0) == 1;

    private async Task KillAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var pid = ((NpgsqlConnection)command.Connection!).ProcessID;
        await using var other = new NpgsqlConnection(connectionString + ";Pooling=false");
        await other.OpenAsync(cancellationToken);
        await using var kill = new NpgsqlCommand($"SELECT pg_terminate_backend({pid})", other);
        await kill.ExecuteScalarAsync(cancellationToken);
        Fired = true;
    }
}
