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
    // Made at the first message: most saves log nothing.
    private List<Action<ILogger>>? _logs;
    private readonly KissConsentGate? _consent;
    private IServiceProvider? _services;

    /// <summary>A save's sink: its messages are logged.</summary>
    public KissCallSink(DbContext context, DateTimeOffset saveTime, ILogger logger, int maxValueLength, Diagnostics.KissMetrics? metrics, Type? consent = null)
    {
        _context = context;
        _consent = consent is null ? null : new KissConsentGate(consent);
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
    public KissCallSink(IServiceProvider? services, DateTimeOffset time, ILogger logger, int maxValueLength, Type? consent = null)
    {
        _services = services;
        _consent = consent is null ? null : new KissConsentGate(consent);
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

    /// <summary>Reads the values of the change being finalized; reused for every change of the save.</summary>
    public KissEntryValues Values { get; } = new();

    public List<KissCall> Calls { get; } = [];

    /// <summary>What is being built, for error 1003: the call and the map expression being evaluated.</summary>
    public string Step { get; set; } = string.Empty;

    /// <inheritdoc cref="Step"/>
    public string Expression { get; set; } = string.Empty;

    /// <summary>Messages not yet written, in order.</summary>
    public int LogCount => _logs?.Count ?? 0;

    private List<Action<ILogger>> Logs => _logs ??= [];

    /// <summary>
    /// The context's application service provider (the scope it was created in), for <c>IdentifiedBy</c> and
    /// <c>HasIdentity&lt;TService&gt;</c>; a backfill's: its query's context's.
    /// </summary>
    public IServiceProvider? ApplicationServices => _services ??= _context is null ? null : KissApplicationServices.Of(_context);

    /// <summary>
    /// Adds a built call, the one door of every call a save, a backfill or a tracked bulk operation makes: when a
    /// consent service is set (<c>UseConsent</c>), only if it lets each person the call names be tracked
    /// (<paramref name="person"/>, and <paramref name="other"/>, an alias's second identity). A refused call is never
    /// added, so it reaches no output; a batch whose consent service failed loses all its calls at <see cref="EndBatch"/>.
    /// </summary>
    public void Add(KissCall call, string person, string? other = null)
    {
        if (_consent is { } consent && !(consent.MayTrack(person, this) && (other is null || consent.MayTrack(other, this))))
        {
            NotConsented(call, consent);
            return;
        }

        Calls.Add(call);
    }

    /// <summary>
    /// Ends a save or a chunk, whose calls are <paramref name="calls"/> (<paramref name="batch"/> names it in the warning):
    /// when the consent service failed in it, none of them is written (and counted, and warned about once), because its
    /// answers before the failure are no surer than after it, and the outcome of a save must not depend on the order its
    /// changes were built in. The next chunk asks the service again.
    /// </summary>
    public void EndBatch(List<KissCall> calls, string batch)
    {
        if (_consent is not { } consent)
        {
            return;
        }

        if (consent.Failure is { } failure)
        {
            foreach (var call in calls)
            {
                NotConsented(call, consent);
            }

            calls.Clear();
            if (Tally is null)
            {
                KissLog.ConsentFailed(Logger, batch, consent.ServiceType.Name, failure, consent.Exception);
            }
        }

        consent.Reset();
    }

    /// <summary>Counts a call consent kept out: refused (log 1010), or lost to a failure of the service (warned once, 1011).</summary>
    private void NotConsented(KissCall call, KissConsentGate consent)
    {
        var name = consent.ServiceType.Name;
        if (Tally is not null)
        {
            Count(consent.Failure is { } failure
                ? $"{call.Description}: the consent service {name} gave no answer ({failure})"
                : $"{call.Description}: the consent service {name} refused its person");
        }
        else if (consent.Failure is not null)
        {
            Logs.Add(_ => Metrics?.Skipped(call, Diagnostics.KissMetrics.ConsentError));
        }
        else
        {
            Logs.Add(logger =>
            {
                KissLog.ConsentRefused(logger, call.Description, name);
                Metrics?.Skipped(call, Diagnostics.KissMetrics.Consent);
            });
        }
    }

    public void Skipped(string call, string rule)
    {
        if (Tally is not null)
        {
            Count($"{call}: {rule}");
        }
        else
        {
            Logs.Add(logger =>
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
            Logs.Add(logger => KissLog.PropertyDropped(logger, property, call, rule));
        }
    }

    /// <summary>A property set is not sent: it has nothing to set; counted as dropped when 1002s since <paramref name="mark"/> emptied it.</summary>
    public void SetDropped(string call, int mark)
    {
        if (LogCount > mark)
        {
            Logs.Add(_ => Metrics?.Dropped(call, Diagnostics.KissMetrics.InvalidProperties));
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
            Logs.Add(logger =>
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
        var taken = Logs.GetRange(mark, Logs.Count - mark);
        Logs.RemoveRange(mark, Logs.Count - mark);
        return taken;
    }

    public void AddLogs(List<Action<ILogger>> logs)
    {
        if (logs.Count > 0)
        {
            Logs.AddRange(logs);
        }
    }

    /// <summary>Writes the messages of the calls the save ends up with.</summary>
    public void WriteLogs()
    {
        if (_logs is null)
        {
            return;
        }

        foreach (var log in _logs)
        {
            log(Logger);
        }

        _logs.Clear();
    }
}
