using System.ComponentModel.DataAnnotations;

namespace KissEf;

/// <summary>
/// Settings of KissEf, validated at start-up. Set them with <c>KissTrackingBuilder</c> or bind them from
/// configuration (<c>services.AddKissTracking(config.GetSection("KissMetrics"), kiss =&gt; ...)</c>).
/// </summary>
public sealed class KissTrackingOptions
{
    /// <summary>The default tracking host, as the vendor documents it.</summary>
    public static readonly Uri DefaultEndpoint = new("https://trk.kissmetrics.com");

    /// <summary>The KISSmetrics API key (<c>_k</c>). Required unless <see cref="DryRun"/>. Never logged nor stored.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The tracking host.</summary>
    [Required]
    public Uri Endpoint { get; set; } = DefaultEndpoint;

    /// <summary>Log each URL (key redacted) instead of sending it, and answer as the vendor would.</summary>
    public bool DryRun { get; set; }

    /// <summary>
    /// The longest property value sent, in UTF-16 code units (<see cref="string.Length"/>); a longer value is
    /// left out of its call with a warning. The default, 512, is the vendor's documented limit.
    /// </summary>
    [Range(1, 8192)]
    public int MaxPropertyValueLength { get; set; } = 512;

    /// <summary>
    /// Direct delivery: attempts per call, the first included, before it is given up. The outbox does not use it: an
    /// outbox row is retried until it is older than <see cref="MaxAge"/> (or <see cref="OutboxMaxAttempts"/>, if set).
    /// </summary>
    [Range(1, 1000)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>
    /// Outbox: attempts of a row, the first included, after which a row that fails again is kept as dead; null (the
    /// default) for no limit, so that only <see cref="MaxAge"/> ends the retries of a row.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int? OutboxMaxAttempts { get; set; }

    /// <summary>The first retry delay; each retry doubles it, with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one HTTP attempt may take.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many calls are sent at once.</summary>
    [Range(1, 256)]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Direct delivery: how many committed calls may wait in memory; past that they are dropped and logged.</summary>
    [Range(1, 10_000_000)]
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>How long stopping the host may spend sending what is left.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Outbox: the table the calls are written to, in the transaction of the change.</summary>
    [Required]
    [MinLength(1)]
    public string OutboxTable { get; set; } = "kiss_outbox";

    /// <summary>Outbox: the table's schema; null for the provider's default.</summary>
    public string? OutboxSchema { get; set; }

    /// <summary>Outbox: how often the dispatcher looks for due rows when no commit has woken it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Outbox, with <c>UseTenants</c>: how often the dispatcher reads the tenants again, so that a tenant added while the
    /// application runs is worked within this time (at once when it commits on this instance).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan TenantRefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Outbox: how long a claimed row is reserved for one dispatcher; a dead instance's rows are taken after it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Outbox: rows claimed at once by a dispatcher.</summary>
    [Range(1, 10_000)]
    public int ClaimBatchSize { get; set; } = 20;

    /// <summary>Outbox: calls written into one row (a save writes one row per chunk).</summary>
    [Range(1, 10_000)]
    public int MaxCallsPerRow { get; set; } = 100;

    /// <summary>Backfill: rows read and written to the outbox in one transaction (one checkpoint each).</summary>
    [Range(1, 100_000)]
    public int BackfillChunkSize { get; set; } = 500;

    /// <summary>
    /// Tracked bulk operations (<c>ExecuteUpdateTracked</c>, <c>ExecuteDeleteTracked</c>): rows read, changed and written
    /// to the outbox at a time, all in one transaction. Bounds their memory, not their atomicity.
    /// </summary>
    [Range(1, 100_000)]
    public int BulkOperationChunkSize { get; set; } = 1000;

    /// <summary>Backfill: the most calls a second an enqueue writes to the outbox, so that live traffic keeps flowing.</summary>
    [Range(1, 1_000_000)]
    public int BackfillCallsPerSecond { get; set; } = 200;

    /// <summary>
    /// Outbox: the longest wait between two attempts of a row (jitter of ±20% aside); with the default
    /// <see cref="RetryBaseDelay"/> it is reached after the tenth attempt. A row goes out at most about this long after
    /// the endpoint recovers.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Outbox: a row older than this that fails again (retryably) is kept as dead; until then it is retried.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Where committed calls go: the outbox table (default) or the in-memory queue (<c>UseDirectDelivery()</c>).
    /// Read when <c>AddKissTracking</c> registers the services: set it in the configuration section or the builder.
    /// </summary>
    public KissDelivery Delivery { get; set; } = KissDelivery.Outbox;

    /// <summary>
    /// What an <c>ExecuteUpdate</c>/<c>ExecuteDelete</c> of an entity type whose maps would have made calls does: log
    /// warning 1006 once per query shape (the default), throw before the statement runs, or nothing. Such a statement
    /// bypasses the change tracker, so it makes no call.
    /// </summary>
    [EnumDataType(typeof(KissBulkOperationPolicy))]
    public KissBulkOperationPolicy UntrackedBulkOperations { get; set; } = KissBulkOperationPolicy.Warn;

    /// <summary>Health check: the oldest pending outbox call may be this old before the check reports Degraded.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan HealthPendingAgeThreshold { get; set; } = TimeSpan.FromMinutes(15);
}
