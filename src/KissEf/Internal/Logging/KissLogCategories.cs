namespace KissEf.Internal.Logging;

/// <summary>
/// The logger categories of KissEf's messages, as docs/logging.md lists them for users' filters. They are the names
/// the types that log had before they moved under <c>Internal/</c>: a category is part of what users configure, so it
/// does not follow the code around.
/// </summary>
internal static class KissLogCategories
{
    /// <summary>The per-save messages (1001-1004, 1007) and start-up checks.</summary>
    public const string Tracking = "KissEf";

    /// <summary>A backfill's summary (1005).</summary>
    public const string Backfill = "KissEf.Backfill";

    /// <summary>Outbox delivery.</summary>
    public const string OutboxDispatcher = "KissEf.Dispatch.KissOutboxDispatcher";

    /// <summary>Direct delivery's sending loop.</summary>
    public const string QueueDispatcher = "KissEf.Dispatch.KissQueueDispatcher";

    /// <summary>Direct delivery's queue (a full queue, 2004).</summary>
    public const string CallQueue = "KissEf.Dispatch.KissCallQueue";

    /// <summary>The dry run (2005).</summary>
    public const string DryRun = "KissEf.Protocol.KissDryRunHandler";
}
