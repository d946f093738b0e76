using Microsoft.Extensions.Logging;

namespace KissEf.Logging;

/// <summary>
/// Every message KissEf logs, with stable event ids. None holds the API key or a tracking URL, and none holds
/// a person's identity or a property value: entity, member, rule and call name say what happened.
/// </summary>
internal static partial class KissLog
{
    // 1xxx: building calls from changes.
    [LoggerMessage(1001, LogLevel.Warning, "KissEf did not send the {Call}: {Rule}.")]
    public static partial void CallSkipped(ILogger logger, string call, string rule);

    [LoggerMessage(1002, LogLevel.Warning, "KissEf left the property '{Property}' out of the {Call}: {Rule}.")]
    public static partial void PropertyDropped(ILogger logger, string property, string call, string rule);

    [LoggerMessage(1003, LogLevel.Error, "KissEf failed to build the {Call}: the map expression {Expression} threw; the save goes on without the calls of this change.")]
    public static partial void CallFailed(ILogger logger, string call, string expression, Exception exception);

    [LoggerMessage(1004, LogLevel.Error, "KissEf failed to capture the changes of a save of {Context}; the save goes on without tracking.")]
    public static partial void CaptureFailed(ILogger logger, string context, Exception exception);

    [LoggerMessage(1005, LogLevel.Warning, "KissEf's backfill left out {Count} time(s): {What}.")]
    public static partial void BackfillSkipped(ILogger logger, long count, string what);

    // 2xxx: delivery.
    [LoggerMessage(2001, LogLevel.Debug, "KissEf delivered the {Call}.")]
    public static partial void Delivered(ILogger logger, string call);

    [LoggerMessage(2002, LogLevel.Warning, "KissEf could not deliver the {Call} after {Attempts} attempt(s): {Error}.")]
    public static partial void DeliveryFailed(ILogger logger, string call, int attempts, string error);

    [LoggerMessage(2003, LogLevel.Warning, "KissEf dropped the {Call}: the in-memory queue is full ({Capacity} calls).")]
    public static partial void QueueFull(ILogger logger, string call, int capacity);

    [LoggerMessage(2004, LogLevel.Warning, "KissEf stopped with {Count} call(s) not delivered within the shutdown timeout; direct delivery loses them.")]
    public static partial void ShutdownLeftCalls(ILogger logger, int count);

    [LoggerMessage(2005, LogLevel.Information, "KissEf dry run: {Url}")]
    public static partial void DryRun(ILogger logger, string url);

    [LoggerMessage(2006, LogLevel.Error, "KissEf's dispatcher failed; it goes on.")]
    public static partial void DispatcherFailed(ILogger logger, Exception exception);

    [LoggerMessage(2008, LogLevel.Information, "KissEf has no claim SQL of its own for the provider {Provider} of {Context}: it uses the portable claim (safe across instances; their claims may wait on each other's row locks) and other instances' commits are seen at the next poll.")]
    public static partial void PortableClaim(ILogger logger, string provider, string context);

    [LoggerMessage(2009, LogLevel.Warning, "KissEf's PostgreSQL listener for {Context} failed; it listens again after the poll interval and polls meanwhile.")]
    public static partial void ListenerFailed(ILogger logger, string context, Exception exception);

    // 2010-2012: the dispatcher's table and database (issue 15). A problem is reported once, when it has lasted
    // KissOutboxDispatcher.ReportAfter (or at stop if it is still there), without a stack trace: the provider's
    // message says what is wrong, the text says what to do.
    [LoggerMessage(2010, LogLevel.Warning, "KissEf's outbox table '{Table}' of {Context} cannot be read ({Error}); it is missing until the database is migrated. Add it: run 'dotnet ef migrations add AddKissOutbox --context {Context}' then 'dotnet ef database update' (or call Database.Migrate() at start, or EnsureCreated for a development database). Until then saves of {Context} fail; while the host runs, KissEf looks for the table every {CheckSeconds} s and delivers once it is there.")]
    public static partial void OutboxTableMissing(ILogger logger, string table, string context, string error, double checkSeconds);

    [LoggerMessage(2011, LogLevel.Warning, "KissEf's dispatcher for {Context} cannot reach its database ({Error}); the calls not yet delivered stay in the outbox table. While the host runs, KissEf tries again every {CheckSeconds} s; what is left at stop is sent after the next start.")]
    public static partial void DatabaseUnreachable(ILogger logger, string context, string error, double checkSeconds);

    [LoggerMessage(2012, LogLevel.Information, "KissEf's dispatcher for {Context} reads its outbox table '{Table}' again: delivery goes on.")]
    public static partial void OutboxTableBack(ILogger logger, string context, string table);
}
