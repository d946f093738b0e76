using Microsoft.Extensions.Logging;

namespace KissEf.Internal.Logging;

/// <summary>
/// Every message KissEf logs, with stable event ids. None holds the API key or a tracking URL, and none holds
/// a person's identity or a property value: entity, member, rule and call name say what happened.
/// </summary>
internal static partial class KissLog
{
    // 1xxx: building calls from changes.
    [LoggerMessage(KissEfEventId.CallSkipped, LogLevel.Warning, "KissEf did not send the {Call}: {Rule}.", EventName = nameof(KissEfEventId.CallSkipped))]
    public static partial void CallSkipped(ILogger logger, string call, string rule);

    [LoggerMessage(KissEfEventId.PropertyDropped, LogLevel.Warning, "KissEf left the property '{Property}' out of the {Call}: {Rule}.", EventName = nameof(KissEfEventId.PropertyDropped))]
    public static partial void PropertyDropped(ILogger logger, string property, string call, string rule);

    [LoggerMessage(KissEfEventId.CallFailed, LogLevel.Error, "KissEf failed to build the {Call}: the map expression {Expression} threw; the save goes on without the calls of this change.", EventName = nameof(KissEfEventId.CallFailed))]
    public static partial void CallFailed(ILogger logger, string call, string expression, Exception exception);

    [LoggerMessage(KissEfEventId.CaptureFailed, LogLevel.Error, "KissEf failed to capture the changes of a save of {Context}; the save goes on without tracking.", EventName = nameof(KissEfEventId.CaptureFailed))]
    public static partial void CaptureFailed(ILogger logger, string context, Exception exception);

    [LoggerMessage(KissEfEventId.BackfillSkipped, LogLevel.Warning, "KissEf's backfill left out {Count} time(s): {What}.", EventName = nameof(KissEfEventId.BackfillSkipped))]
    public static partial void BackfillSkipped(ILogger logger, long count, string what);

    private const string UntrackedBulkOperationTemplate = "KissEf makes no call for this {Operation} of {Entity}: it bypasses the change tracker, so its {Triggers} triggers do not fire. Use {TrackedMethod} instead: it makes the calls a save of each affected row would make (it reads the rows first). Or set UntrackedBulkOperations to Ignore to accept it.";

    [LoggerMessage(KissEfEventId.UntrackedBulkOperation, LogLevel.Warning, UntrackedBulkOperationTemplate, EventName = nameof(KissEfEventId.UntrackedBulkOperation))]
    public static partial void UntrackedBulkOperation(ILogger logger, string operation, string entity, string triggers, string trackedMethod);

    /// <summary>The text of <see cref="UntrackedBulkOperation"/>, for the exception of <see cref="KissBulkOperationPolicy.Throw"/>.</summary>
    public static string UntrackedBulkOperationText(string operation, string entity, string triggers, string trackedMethod)
        => UntrackedBulkOperationTemplate
            .Replace("{Operation}", operation, StringComparison.Ordinal)
            .Replace("{Entity}", entity, StringComparison.Ordinal)
            .Replace("{Triggers}", triggers, StringComparison.Ordinal)
            .Replace("{TrackedMethod}", trackedMethod, StringComparison.Ordinal);

    [LoggerMessage(KissEfEventId.ContextNotTracked, LogLevel.Warning, "KissEf does not track the changes of {Context}: KissEf maps its entity type(s) {EntityTypes}, and its options do not call UseKissTracking. Call options.UseKissTracking(sp) where the context is registered, after its provider: AddDbContext<{Context}>((sp, options) => options.Use...(...).UseKissTracking(sp)).", EventName = nameof(KissEfEventId.ContextNotTracked))]
    public static partial void ContextNotTracked(ILogger logger, string context, string entityTypes);

    [LoggerMessage(KissEfEventId.RowsLoaded, LogLevel.Debug, "KissEf loaded {Rows} row(s) of {Target} through {Entity}.{Navigation} (not loaded by the application) for the calls of {Changes} change(s) of a save.", EventName = nameof(KissEfEventId.RowsLoaded))]
    public static partial void RowsLoaded(ILogger logger, int rows, string target, string entity, string navigation, int changes);

    [LoggerMessage(KissEfEventId.RowsLoadFailed, LogLevel.Warning, "KissEf could not load {Target} through {Entity}.{Navigation} for the calls of a save of {Context}; the save goes on, and the calls that read it are built without it.", EventName = nameof(KissEfEventId.RowsLoadFailed))]
    public static partial void RowsLoadFailed(ILogger logger, string target, string entity, string navigation, string context, Exception exception);

    [LoggerMessage(KissEfEventId.ConsentRefused, LogLevel.Debug, "KissEf did not write the {Call}: the consent service {Consent} refused its person.", EventName = nameof(KissEfEventId.ConsentRefused))]
    public static partial void ConsentRefused(ILogger logger, string call, string consent);

    [LoggerMessage(KissEfEventId.ConsentFailed, LogLevel.Warning, "KissEf wrote none of the calls of a {Batch}: the consent service {Consent} gave no answer ({Failure}), and KissEf tracks no one it cannot ask about. The {Batch} itself went on.", EventName = nameof(KissEfEventId.ConsentFailed))]
    public static partial void ConsentFailed(ILogger logger, string batch, string consent, string failure, Exception? exception);

    // 2xxx: delivery.
    [LoggerMessage(KissEfEventId.Delivered, LogLevel.Debug, "KissEf delivered the {Call}.", EventName = nameof(KissEfEventId.Delivered))]
    public static partial void Delivered(ILogger logger, string call);

    [LoggerMessage(KissEfEventId.DeliveryFailed, LogLevel.Warning, "KissEf could not deliver the {Call} after {Attempts} attempt(s): {Error}.", EventName = nameof(KissEfEventId.DeliveryFailed))]
    public static partial void DeliveryFailed(ILogger logger, string call, int attempts, string error);

    [LoggerMessage(KissEfEventId.QueueFull, LogLevel.Warning, "KissEf dropped the {Call}: the in-memory queue is full ({Capacity} calls).", EventName = nameof(KissEfEventId.QueueFull))]
    public static partial void QueueFull(ILogger logger, string call, int capacity);

    [LoggerMessage(KissEfEventId.ShutdownLeftCalls, LogLevel.Warning, "KissEf stopped with {Count} call(s) not delivered within the shutdown timeout; direct delivery loses them.", EventName = nameof(KissEfEventId.ShutdownLeftCalls))]
    public static partial void ShutdownLeftCalls(ILogger logger, int count);

    [LoggerMessage(KissEfEventId.DryRun, LogLevel.Information, "KissEf dry run: {Url}", EventName = nameof(KissEfEventId.DryRun))]
    public static partial void DryRun(ILogger logger, string url);

    [LoggerMessage(KissEfEventId.DispatcherFailed, LogLevel.Error, "KissEf's dispatcher failed; it goes on.", EventName = nameof(KissEfEventId.DispatcherFailed))]
    public static partial void DispatcherFailed(ILogger logger, Exception exception);

    [LoggerMessage(KissEfEventId.OutboxRowDead, LogLevel.Error, "KissEf kept outbox row {RowId} as dead with {Count} call(s) after {Attempts} attempt(s): {Error}. Retry it with IKissOutbox.RetryDeadAsync.", EventName = nameof(KissEfEventId.OutboxRowDead))]
    public static partial void OutboxRowDead(ILogger logger, long rowId, int count, int attempts, string error);

    [LoggerMessage(KissEfEventId.PortableClaim, LogLevel.Information, "KissEf has no claim SQL of its own for the provider {Provider} of {Context}: it uses the portable claim (safe across instances; their claims may wait on each other's row locks) and other instances' commits are seen at the next poll.", EventName = nameof(KissEfEventId.PortableClaim))]
    public static partial void PortableClaim(ILogger logger, string provider, string context);

    [LoggerMessage(KissEfEventId.ListenerFailed, LogLevel.Warning, "KissEf's PostgreSQL listener for {Context} failed; it listens again after the poll interval and polls meanwhile.", EventName = nameof(KissEfEventId.ListenerFailed))]
    public static partial void ListenerFailed(ILogger logger, string context, Exception exception);

    // 2010-2012: the dispatcher's table and database (issue 15). A problem is reported once, when it has lasted
    // KissOutboxWorker.ReportAfter (or at stop if it is still there), without a stack trace: the provider's
    // message says what is wrong, the text says what to do.
    [LoggerMessage(KissEfEventId.OutboxTableMissing, LogLevel.Warning, "KissEf's outbox table '{Table}' of {Context} cannot be read ({Error}); it is missing until the database is migrated. Add it: run 'dotnet ef migrations add AddKissOutbox --context {Context}' then 'dotnet ef database update' (or call Database.Migrate() at start, or EnsureCreated for a development database). Until then saves of {Context} fail; while the host runs, KissEf looks for the table every {CheckSeconds} s and delivers once it is there.", EventName = nameof(KissEfEventId.OutboxTableMissing))]
    public static partial void OutboxTableMissing(ILogger logger, string table, string context, string error, double checkSeconds);

    [LoggerMessage(KissEfEventId.OutboxDatabaseUnavailable, LogLevel.Warning, "KissEf's dispatcher for {Context} cannot reach its database ({Error}); the calls not yet delivered stay in the outbox table. While the host runs, KissEf tries again every {CheckSeconds} s; what is left at stop is sent after the next start.", EventName = nameof(KissEfEventId.OutboxDatabaseUnavailable))]
    public static partial void OutboxDatabaseUnavailable(ILogger logger, string context, string error, double checkSeconds);

    [LoggerMessage(KissEfEventId.OutboxAvailableAgain, LogLevel.Information, "KissEf's dispatcher for {Context} reads its outbox table '{Table}' again: delivery goes on.", EventName = nameof(KissEfEventId.OutboxAvailableAgain))]
    public static partial void OutboxAvailableAgain(ILogger logger, string context, string table);

    // 2013: with UseTenants, a tenant the dispatcher cannot enter; the other tenants go on.
    [LoggerMessage(KissEfEventId.TenantUnavailable, LogLevel.Warning, "KissEf could not enter tenant '{Tenant}' to find the outbox table of {Context} ({Error}); its calls wait in its database. The other tenants go on; KissEf tries again every {RefreshSeconds} s and at the tenant's next commit.", EventName = nameof(KissEfEventId.TenantUnavailable))]
    public static partial void TenantUnavailable(ILogger logger, string tenant, string context, string error, double refreshSeconds);
}
