using System.Diagnostics;
using System.Threading.Channels;
using KissEf.Internal.Calls;
using KissEf.Internal.Diagnostics;
using KissEf.Internal.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KissEf.Internal.Direct;

/// <summary>
/// Direct delivery's bounded in-memory queue: where a committed call waits. A full queue drops the call with
/// a warning rather than slow the save down; a crash loses what is here.
/// </summary>
internal sealed class KissCallQueue
{
    private readonly Channel<KissQueuedCall> _channel;
    private readonly int _capacity;
    private readonly ILogger _logger;
    private readonly KissMetrics _metrics;
    private readonly TimeProvider _time;
    private long _enqueued;
    private long _finished;

    public KissCallQueue(IOptions<KissTrackingOptions> options, ILoggerFactory loggers, KissMetrics metrics, TimeProvider time)
    {
        _capacity = options.Value.QueueCapacity;
        _logger = loggers.CreateLogger(KissLogCategories.CallQueue);
        _metrics = metrics;
        _time = time;
        _channel = Channel.CreateBounded<KissQueuedCall>(new BoundedChannelOptions(_capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
    }

    public ChannelReader<KissQueuedCall> Reader => _channel.Reader;

    /// <summary>How many calls were ever queued.</summary>
    public long Enqueued => Interlocked.Read(ref _enqueued);

    /// <summary>How many queued calls, in queue order, have had their attempt.</summary>
    public long Finished => Interlocked.Read(ref _finished);

    public int Count => _channel.Reader.Count;

    /// <summary>When the call at the head of the queue was queued (Unix ms), if any waits.</summary>
    public long? OldestQueuedAt => _channel.Reader.TryPeek(out var head) ? head.QueuedAt : null;

    public void Enqueue(KissCall call) => Enqueue(call, Activity.Current?.Context ?? default);

    /// <summary>
    /// Queues <paramref name="call"/>, released by a commit made in the trace <paramref name="trace"/> by a context of
    /// <paramref name="tenantId"/> (null: of no tenant).
    /// </summary>
    public void Enqueue(KissCall call, ActivityContext trace, string? tenantId = null)
    {
        // Counted before the write so that a flush started after the commit waits for this call.
        Interlocked.Increment(ref _enqueued);
        if (!_channel.Writer.TryWrite(new KissQueuedCall(call, trace, _time.GetUtcNow().ToUnixTimeMilliseconds(), tenantId)))
        {
            Interlocked.Decrement(ref _enqueued);
            KissLog.QueueFull(_logger, call.Description, _capacity);
            _metrics.Dropped(call, KissMetrics.QueueFull);
        }
    }

    public void MarkFinished(int count) => Interlocked.Add(ref _finished, count);
}
