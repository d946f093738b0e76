using System.Collections.Concurrent;
using System.Diagnostics;
using KissEf.Tests.Support;

namespace KissEf.Tests.Observability;

/// <summary>
/// Listens to KissEf's spans and to a source of the test's own (its "web requests"), keeping every span that ends.
/// Listeners are process-wide: a test finds its spans by their link to its own request, never by count.
/// </summary>
public sealed class SpanRecorder : IDisposable
{
    public const string RequestSource = "KissEf.Tests.Requests";

    private static readonly ActivitySource Requests = new(RequestSource);
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public SpanRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "KissEf" or RequestSource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Starts the span of a "web request" (the save's trace), with a trace state to carry.</summary>
    public static Activity StartRequest(string traceState = "kissef=test")
    {
        var activity = Requests.StartActivity("GET /customers", ActivityKind.Server) ?? throw new InvalidOperationException("The request source is not listened to.");
        activity.TraceStateString = traceState;
        return activity;
    }

    /// <summary>KissEf's ended spans linked to <paramref name="request"/>, waiting up to <paramref name="timeout"/> for <paramref name="count"/>.</summary>
    public async Task<IReadOnlyList<Activity>> LinkedToAsync(Activity request, int count, TimeSpan timeout)
    {
        List<Activity> Linked() => LinkedTo(request);
        await OutboxCalls.EventuallyAsync(
            () => Task.FromResult(Linked().Count >= count),
            timeout,
            () => Task.FromResult($"{Linked().Count} KissEf span(s) linked to the request, expected {count}; KissEf spans: {_stopped.Count(a => a.Source.Name == "KissEf")}"));
        return Linked();
    }

    /// <summary>The KissEf spans linked to <paramref name="request"/>, once they have delivered <paramref name="calls"/> calls between them.</summary>
    public async Task<IReadOnlyList<Activity>> DeliveredLinkedToAsync(Activity request, int calls, TimeSpan timeout)
    {
        List<Activity> Linked() => LinkedTo(request);
        int Delivered() => Linked().Sum(a => a.GetTagItem("kissef.batch.delivered") is int n ? n : 0);
        await OutboxCalls.EventuallyAsync(
            () => Task.FromResult(Delivered() >= calls),
            timeout,
            () => Task.FromResult($"{Linked().Count} KissEf span(s) linked to the request delivered {Delivered()} call(s), expected {calls}"));
        return Linked();
    }

    private List<Activity> LinkedTo(Activity request)
        => [.. _stopped.Where(a => a.Source.Name == "KissEf" && a.Links.Any(l => IsTo(l, request)))];

    public static bool IsTo(ActivityLink link, Activity request)
        => link.Context.TraceId == request.TraceId && link.Context.SpanId == request.SpanId;

    public void Dispose() => _listener.Dispose();
}
