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
}
