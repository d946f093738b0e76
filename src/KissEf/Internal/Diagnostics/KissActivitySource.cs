using System.Diagnostics;

namespace KissEf.Internal.Diagnostics;

/// <summary>
/// KissEf's traces: one span per dispatch batch, linked to the traces of the saves whose calls it sends. An
/// ActivitySource is static by design (there is no factory for them); with no listener nothing is created.
/// </summary>
internal static class KissActivitySource
{
    /// <summary>The source name (public as <see cref="KissEfDiagnostics.ActivitySourceName"/>).</summary>
    public const string Name = KissEfDiagnostics.ActivitySourceName;

    /// <summary>The span name of a dispatch batch.</summary>
    public const string DispatchSpan = "kissef.dispatch";

    public static ActivitySource Source { get; } = new(Name, typeof(KissActivitySource).Assembly.GetName().Version?.ToString());

    /// <summary>
    /// Starts the span of one batch, with a link to each distinct trace context the batch's calls were saved in;
    /// null when nobody listens (then the contexts are not even enumerated).
    /// </summary>
    public static Activity? StartBatch<T>(string delivery, string? context, int calls, IReadOnlyList<T> items, Func<T, ActivityContext> trace)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        List<ActivityLink>? links = null;
        HashSet<ActivityContext>? seen = null;
        foreach (var item in items)
        {
            var saved = trace(item);
            if (saved != default && (seen ??= []).Add(saved))
            {
                (links ??= []).Add(new ActivityLink(saved));
            }
        }

        var activity = Source.StartActivity(DispatchSpan, ActivityKind.Client, parentContext: default, links: links);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("kissef.delivery", delivery);
            if (context is not null)
            {
                activity.SetTag("kissef.context", context);
            }

            activity.SetTag("kissef.batch.calls", calls);
        }

        return activity;
    }

    /// <summary>Records what became of the batch's calls; a batch with failed calls ends with an error status.</summary>
    public static void Finish(Activity? activity, int delivered, int failed)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("kissef.batch.delivered", delivered);
        activity.SetTag("kissef.batch.failed", failed);
        if (failed > 0)
        {
            activity.SetStatus(ActivityStatusCode.Error, $"{failed} call(s) not delivered");
        }
    }
}
