using System.ComponentModel.DataAnnotations;

namespace KissEf;

/// <summary>
/// Settings of KissEf, validated at start-up. Set them with <c>KissTrackingBuilder</c> or bind them from
/// configuration (<c>services.Configure&lt;KissTrackingOptions&gt;(config.GetSection("KissMetrics"))</c>).
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

    /// <summary>Attempts per call before it is given up (direct delivery) or kept as dead (outbox).</summary>
    [Range(1, 1000)]
    public int MaxAttempts { get; set; } = 5;

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
}
