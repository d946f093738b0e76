namespace KissEf;

/// <summary>
/// The event ids of KissEf's log messages, for log filters, alerts and tests:
/// <c>if (eventId.Id == KissEfEventId.OutboxRowDead) …</c>, or <c>case KissEfEventId.DeliveryFailed:</c> in a switch.
/// Each message's <see cref="Microsoft.Extensions.Logging.EventId.Name"/> is the name of its constant here.
/// 1xxx: building calls from the changes of a save; 2xxx: delivering them. An id never changes meaning.
/// </summary>
/// <remarks>
/// Constants rather than <see cref="Microsoft.Extensions.Logging.EventId"/> values (as EF Core's <c>CoreEventId</c> has):
/// a constant can be a <c>case</c> label or an attribute argument, and converts to an <c>EventId</c> where one is
/// expected.
/// </remarks>
public static class KissEfEventId
{
    /// <summary>Warning: a call was not sent because a value made it invalid (its person, name or time).</summary>
    public const int CallSkipped = 1001;

    /// <summary>Warning: a property was left out of a call because its value was invalid; the rest of the call was sent.</summary>
    public const int PropertyDropped = 1002;

    /// <summary>Error: an expression of a map threw while building a call; the save went on without that change's calls.</summary>
    public const int CallFailed = 1003;

    /// <summary>Error: capturing the changes of a save failed; the save went on without tracking.</summary>
    public const int CaptureFailed = 1004;

    /// <summary>Warning: a backfill left rows or calls out, with the count and the reason.</summary>
    public const int BackfillSkipped = 1005;

    /// <summary>
    /// Warning, once per query shape: an <c>ExecuteUpdate</c> or <c>ExecuteDelete</c> of an entity type whose maps would
    /// have made calls bypassed the change tracker, so it made none (<see cref="KissTrackingOptions.UntrackedBulkOperations"/>).
    /// </summary>
    public const int UntrackedBulkOperation = 1006;

    /// <summary>
    /// Warning, once per DbContext type: a context whose model holds mapped entity types saved without
    /// <c>UseKissTracking</c>, so none of its changes is tracked.
    /// </summary>
    public const int ContextNotTracked = 1007;

    /// <summary>
    /// Debug: a save loaded rows its calls read through a reference navigation the application had not loaded
    /// (<c>o.Buyer.IdentityGuid</c>), one query per navigation: entity, navigation and how many rows.
    /// </summary>
    public const int RowsLoaded = 1008;

    /// <summary>Warning: loading such rows failed; the save went on, and the calls that read them were built without them.</summary>
    public const int RowsLoadFailed = 1009;

    /// <summary>
    /// Debug: a call was not written because <see cref="IKissConsent"/> refused its person (either side of an alias);
    /// the message names the call, never the person.
    /// </summary>
    public const int ConsentRefused = 1010;

    /// <summary>
    /// Warning: the <see cref="IKissConsent"/> service threw or could not be resolved; the save (or the chunk of a backfill
    /// or a tracked bulk operation) went on without any of its calls. The message names the service, never a person.
    /// </summary>
    public const int ConsentFailed = 1011;

    /// <summary>Debug: a call was delivered.</summary>
    public const int Delivered = 2001;

    /// <summary>Warning: a delivery attempt failed; it is retried later.</summary>
    public const int DeliveryFailed = 2002;

    /// <summary>Warning: direct delivery's in-memory queue was full and a call was dropped.</summary>
    public const int QueueFull = 2003;

    /// <summary>Warning: direct delivery stopped with calls not delivered within the shutdown timeout (they are lost).</summary>
    public const int ShutdownLeftCalls = 2004;

    /// <summary>Information: a dry run's call, as it would have been sent (the key redacted).</summary>
    public const int DryRun = 2005;

    /// <summary>Error: the dispatcher failed unexpectedly; it goes on.</summary>
    public const int DispatcherFailed = 2006;

    /// <summary>Error: an outbox row was given up and kept as dead, for <c>IKissOutbox.RetryDeadAsync</c>.</summary>
    public const int OutboxRowDead = 2007;

    /// <summary>Information: the outbox uses the portable claim for a provider without claim SQL of KissEf's own.</summary>
    public const int PortableClaim = 2008;

    /// <summary>Warning: the PostgreSQL listener failed; it listens again after the poll interval and polls meanwhile.</summary>
    public const int ListenerFailed = 2009;

    /// <summary>
    /// Warning, once: the outbox table cannot be read (the database is not migrated yet) for 10 seconds, or at stop;
    /// the dispatcher waits quietly and looks again at every poll.
    /// </summary>
    public const int OutboxTableMissing = 2010;

    /// <summary>Warning, once per outage: the dispatcher cannot reach its database (for 10 seconds, or at stop); the calls wait in the table.</summary>
    public const int OutboxDatabaseUnavailable = 2011;

    /// <summary>Information: after a 2010 or 2011, the dispatcher reads its table again and delivery goes on.</summary>
    public const int OutboxAvailableAgain = 2012;

    /// <summary>
    /// Warning, once per tenant until it works: with <c>UseTenants</c>, the dispatcher could not enter a tenant (or create
    /// its context there) to find its outbox table; it tries again at the next tenant refresh.
    /// </summary>
    public const int TenantUnavailable = 2013;
}
