using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KissEf.Tests.Postgres;

/// <summary>
/// Holds back the result of the first PostgreSQL claim (the UPDATE ... FOR UPDATE SKIP LOCKED ... RETURNING) until
/// released: the rows are leased, and the claim comes back as late as a process's first claim does on a loaded
/// machine (it compiles its query), after its lease may have ended.
/// </summary>
public sealed class SlowClaim : DbCommandInterceptor
{
    private readonly TaskCompletionSource _claimed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;

    /// <summary>Completes when the first claim has run (its rows are leased) and is being held back.</summary>
    public Task Claimed => _claimed.Task;

    /// <summary>Lets the held claim come back.</summary>
    public void Release() => _released.TrySetResult();

    public override async ValueTask<DbDataReader> ReaderExecutedAsync(
        DbCommand command,
        CommandExecutedEventData eventData,
        DbDataReader result,
        CancellationToken cancellationToken = default)
    {
        if (command.CommandText.Contains("SKIP LOCKED", StringComparison.Ordinal) && Interlocked.Exchange(ref _held, 1) == 0)
        {
            _claimed.TrySetResult();
            await _released.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        }

        return await base.ReaderExecutedAsync(command, eventData, result, cancellationToken);
    }
}
