using System.Data.Common;
using KissEf.Internal.Capture;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Internal.Providers.PostgreSql;

/// <summary>
/// On PostgreSQL, hands EF's commands of a save to the context's tracker, so that the outbox rows of a save EF runs as
/// one command outside any transaction travel in that command (<see cref="KissSaveRouting.Executing"/>). Npgsql sends a
/// command's statements in one round trip, ended by one Sync: PostgreSQL runs them as one implicit transaction, so the
/// change and its rows commit together or not at all, without the BEGIN, the second statement's round trip and the
/// COMMIT that a transaction costs.
/// </summary>
/// <remarks>
/// EF's Npgsql batch checks the rows each of its statements changed by the statement's index, so a statement added
/// after EF's own does not disturb it. EF executes every command of a save as a reader (its batches read what the
/// statements return), so only the reader events are intercepted. Made for PostgreSQL contexts only
/// (<see cref="For"/>): a context of another provider gets no command interceptor, so its commands pay nothing for it.
/// </remarks>
internal sealed class KissNpgsqlSaveCommand : DbCommandInterceptor
{
    private const string ProviderName = "Npgsql.EntityFrameworkCore.PostgreSQL";

    private readonly KissContextTracker _tracker;

    private KissNpgsqlSaveCommand(KissContextTracker tracker)
    {
        _tracker = tracker;
        tracker.WriteInSaveCommands();
    }

    /// <summary>The interceptor of a context of EF's internal services <paramref name="services"/>; for another provider, one that intercepts nothing.</summary>
    public static IInterceptor For(IServiceProvider services)
        => services.GetService<IDatabaseProvider>()?.Name == ProviderName
            ? new KissNpgsqlSaveCommand(services.GetRequiredService<KissContextTracker>())
            : NoInterceptor.Instance;

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Executing(command, eventData);
        return result;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command,
        CommandEventData eventData,
        InterceptionResult<DbDataReader> result,
        CancellationToken cancellationToken = default)
    {
        Executing(command, eventData);
        return ValueTask.FromResult(result);
    }

    private void Executing(DbCommand command, CommandEventData eventData)
    {
        if (eventData.CommandSource == CommandSource.SaveChanges)
        {
            _tracker.SaveCommandExecuting(command);
        }
    }

    /// <summary>What a context of another provider gets: an interceptor of no kind EF calls.</summary>
    private sealed class NoInterceptor : IInterceptor
    {
        public static readonly NoInterceptor Instance = new();
    }
}
