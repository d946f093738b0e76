using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KissEf.Tests.Postgres;

/// <summary>When a <see cref="HeldCommand"/> holds its command.</summary>
public enum Hold
{
    /// <summary>Before the command is sent, as a statement that is slow to compile (a process's first) is.</summary>
    BeforeItRuns,

    /// <summary>After the command ran, before its rows come back: what it changed is committed, its caller does not know yet.</summary>
    AfterItRan,
}

/// <summary>
/// Holds the first command whose text contains <paramref name="text"/> until released, to make a statement of the
/// dispatcher as slow as a process's first statements are on a loaded machine (longer than a lease).
/// </summary>
public sealed class HeldCommand(string text, Hold when) : DbCommandInterceptor
{
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _taken;

    /// <summary>Completes when the command is being held.</summary>
    public Task Held => _held.Task;

    /// <summary>Lets the held command go on.</summary>
    public void Release() => _released.TrySetResult();

    public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command,
        CommandEventData eventData,
        InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        if (when == Hold.BeforeItRuns)
        {
            await HoldAsync(command, cancellationToken);
        }

        return await base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override async ValueTask<DbDataReader> ReaderExecutedAsync(
        DbCommand command,
        CommandExecutedEventData eventData,
        DbDataReader result,
        CancellationToken cancellationToken = default)
    {
        if (when == Hold.AfterItRan)
        {
            await HoldAsync(command, cancellationToken);
        }

        return await base.ReaderExecutedAsync(command, eventData, result, cancellationToken);
    }

    private async Task HoldAsync(DbCommand command, CancellationToken cancellationToken)
    {
        if (command.CommandText.Contains(text, StringComparison.Ordinal) && Interlocked.Exchange(ref _taken, 1) == 0)
        {
            _held.TrySetResult();
            await _released.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        }
    }
}
