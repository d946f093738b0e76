using System.Text;
using KissEf.Protocol;
using Microsoft.Extensions.Logging;

namespace KissEf.Capture;

/// <summary>Where finalized calls of one save are collected, with what building them needs.</summary>
internal sealed class KissCallSink
{
    public KissCallSink(DateTimeOffset saveTime, ILogger logger, int maxValueLength)
    {
        SaveTime = saveTime;
        Logger = logger;
        MaxValueLength = maxValueLength;
    }

    /// <summary>The time of the save: the default <c>_t</c> of every call.</summary>
    public DateTimeOffset SaveTime { get; }

    public ILogger Logger { get; }

    /// <summary>The longest property value sent (<see cref="KissTrackingOptions.MaxPropertyValueLength"/>).</summary>
    public int MaxValueLength { get; }

    public StringBuilder Builder { get; } = new(256);

    /// <summary>Reads the values of the change being finalized; reused for every change of the save.</summary>
    public KissEntryValues Values { get; } = new();

    public List<KissCall> Calls { get; } = [];
}
