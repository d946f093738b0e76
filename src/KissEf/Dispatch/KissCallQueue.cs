using System.Threading.Channels;
using KissEf.Logging;
using KissEf.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KissEf.Dispatch;

/// <summary>
/// Direct delivery's bounded in-memory queue: where a committed call waits. A full queue drops the call with
/// a warning rather than slow the save down; a crash loses what is here.
/// </summary>
internal sealed class KissCallQueue
{
    private readonly Channel<KissCall> _channel;
    private readonly int _capacity;
    private readonly ILogger _logger;
    private long _enqueued;
    private long _finished;

    public KissCallQueue(IOptions<KissTrackingOptions> options, ILogger<KissCallQueue> logger)
    {
        _capacity = options.Value.QueueCapacity;
        _logger = logger;
        _channel = Channel.CreateBounded<KissCall>(new BoundedChannelOptions(_capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
    }

    public ChannelReader<KissCall> Reader => _channel.Reader;

    /// <summary>How many calls were ever queued.</summary>
    public long Enqueued => Interlocked.Read(ref _enqueued);

    /// <summary>How many queued calls, in queue order, have had their attempt.</summary>
    public long Finished => Interlocked.Read(ref _finished);

    public int Count => _channel.Reader.Count;

    public void Enqueue(KissCall call)
    {
        // Counted before the write so that a flush started after the commit waits for this call.
        Interlocked.Increment(ref _enqueued);
        if (!_channel.Writer.TryWrite(call))
        {
            Interlocked.Decrement(ref _enqueued);
            KissLog.QueueFull(_logger, call.Description, _capacity);
        }
    }

    public void MarkFinished(int count) => Interlocked.Add(ref _finished, count);
}
