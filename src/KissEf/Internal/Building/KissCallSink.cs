using System.Text;
using KissEf.Internal.Calls;
using KissEf.Internal.Logging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace KissEf.Internal.Building;

/// <summary>
/// Where the calls of one save are built, with what building them needs. What goes wrong is logged only for
/// the calls the save ends up with: a change captured again (another interceptor changed the save) drops the
/// messages of its earlier capture with its calls.
/// </summary>
internal sealed class KissCallSink
{
    private readonly DbContext? _context;
    private readonly List<Action<ILogger>> _logs = [];
    private IServiceProvider? _services;

    /// <summary>A save's sink: its messages are logged.</summary>
    public KissCallSink(DbContext context, DateTimeOffset saveTime, ILogger logger, int maxValueLength, Diagnostics.KissMetrics? metrics)
    {
        _context = context;
        Metrics = metrics;
        SaveTime = saveTime;
        Logger = logger;
        MaxValueLength = maxValueLength;
    }

    /// <summary>
    /// A backfill's sink: what is not sent is counted by rule in <see cref="Tally"/>, not logged row by row. The
    /// services the maps read come from <paramref name="services"/>: the application services of the query's context,
    /// as at a save (null when they are not known: a map that reads a service then skips its calls).
    /// </summary>
    public KissCallSink(IServiceProvider? services, DateTimeOffset time, ILogger logger, int maxValueLength)
    {
        _services = services;
        SaveTime = time;
        Logger = logger;
        MaxValueLength = maxValueLength;
        Tally = new Dictionary<string, long>(StringComparer.Ordinal);
    }

    /// <summary>The instruments calls are counted on (a save's; a backfill counts in its report).</summary>
    public Diagnostics.KissMetrics? Metrics { get; }

    /// <summary>For a backfill: how many calls (or properties) each rule left out, by "call: rule".</summary>
    public Dictionary<string, long>? Tally { get; }

    /// <summary>The time of the save: the default <c>_t</c> of every call.</summary>
    public DateTimeOffset SaveTime { get; }

    public ILogger Logger { get; }

    /// <summary>The longest property value sent (<see cref="KissTrackingOptions.MaxPropertyValueLength"/>).</summary>
    public int MaxValueLength { get; }

    public StringBuilder Builder { get; } = new(256);

    /// <summary>Reads the values of the change being finalized; reused for every change of the save.</summary>
    public KissEntryValues Values { get; } = new();

    public List<KissCall> Calls { get; } = [];

    /// <summary>What is being built, for error 1003: the call and the map expression being evaluated.</summary>
    public string Step { get; set; } = string.Empty;

    /// <inheritdoc cref="Step"/>
    public string Expression { get; set; } = string.Empty;

    /// <summary>Messages not yet written, in order.</summary>
    public int LogCount => _logs.Count;

    /// <summary>
    /// The context's application service provider (the scope it was created in), for <c>IdentifiedBy</c> and
    /// <c>HasIdentity&lt;TService&gt;</c>; a backfill's: its query's context's.
    /// </summary>
    public IServiceProvider? ApplicationServices => _services ??= _context is null ? null : KissApplicationServices.Of(_context);

    public void Skipped(string call, string rule)
    {
        if (Tally is not null)
        {
            Count($"{call}: {rule}");
        }
        else
        {
            _logs.Add(logger =>
            {
                KissLog.CallSkipped(logger, call, rule);
                Metrics?.Dropped(call, Diagnostics.KissMetrics.InvalidCall);
            });
        }
    }

    public void Dropped(string property, string call, string rule)
    {
        if (Tally is not null)
        {
            Count($"{call}, property '{property}': {rule}");
        }
        else
        {
            _logs.Add(logger => KissLog.PropertyDropped(logger, property, call, rule));
        }
    }

    /// <summary>A property set is not sent: it has nothing to set; counted as dropped when 1002s since <paramref name="mark"/> emptied it.</summary>
    public void SetDropped(string call, int mark)
    {
        if (_logs.Count > mark)
        {
            _logs.Add(_ => Metrics?.Dropped(call, Diagnostics.KissMetrics.InvalidProperties));
        }
    }

    public void Failed(string call, string expression, Exception exception)
    {
        if (Tally is not null)
        {
            Count($"{call}: the map expression {expression} threw {exception.GetType().Name}");
        }
        else
        {
            _logs.Add(logger =>
            {
                KissLog.CallFailed(logger, call, expression, exception);
                Metrics?.Dropped(call, Diagnostics.KissMetrics.MapError);
            });
        }
    }

    // A backfill counts what it leaves out by call and rule (the text is built only then) instead of logging each row.
    private void Count(string what) => Tally![what] = Tally.GetValueOrDefault(what) + 1;

    /// <summary>Takes the messages from <paramref name="mark"/> on out of the sink (kept with a captured deletion).</summary>
    public List<Action<ILogger>> TakeLogs(int mark)
    {
        var taken = _logs.GetRange(mark, _logs.Count - mark);
        _logs.RemoveRange(mark, _logs.Count - mark);
        return taken;
    }

    public void AddLogs(List<Action<ILogger>> logs) => _logs.AddRange(logs);

    /// <summary>Writes the messages of the calls the save ends up with.</summary>
    public void WriteLogs()
    {
        foreach (var log in _logs)
        {
            log(Logger);
        }

        _logs.Clear();
    }
}
