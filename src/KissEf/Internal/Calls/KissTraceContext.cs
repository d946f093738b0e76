using System.Diagnostics;

namespace KissEf.Internal.Calls;

/// <summary>
/// Keeps the W3C trace context of a save with its calls in an outbox row, without a column of its own: the row's
/// text starts with a line <c>_traceparent=00-…[&amp;_tracestate=…]</c>. A call's line starts with its path letter
/// (<c>e</c>, <c>s</c>, <c>a</c>), never with <c>_</c>, so the line cannot be taken for a call; the dispatcher reads
/// it and never sends it. Rows without it (written by an earlier version, or with no Activity) are sent as before.
/// </summary>
internal static class KissTraceContext
{
    private const string Parent = "_traceparent=";
    private const string State = "&_tracestate=";

    /// <summary>The header line for a row written now, or null with no W3C Activity current.</summary>
    public static string? Header(Activity? activity)
    {
        if (activity is null || activity.IdFormat != ActivityIdFormat.W3C || activity.Id is not { } id)
        {
            return null;
        }

        return activity.TraceStateString is { Length: > 0 } traceState
            ? string.Concat(Parent, id, State, Uri.EscapeDataString(traceState))
            : string.Concat(Parent, id);
    }

    /// <summary>Where a row's calls start: after its header line, if it has one (0 otherwise).</summary>
    public static int BodyStart(string calls)
    {
        if (calls.Length == 0 || calls[0] != '_')
        {
            return 0;
        }

        var end = calls.IndexOf('\n', StringComparison.Ordinal);
        return end < 0 ? calls.Length : end + 1;
    }

    /// <summary>The trace context of a header line (without its '\n'); default when it is not one.</summary>
    public static ActivityContext Parse(ReadOnlySpan<char> header)
    {
        if (!header.StartsWith(Parent, StringComparison.Ordinal))
        {
            return default;
        }

        header = header[Parent.Length..];
        string? traceState = null;
        var amp = header.IndexOf(State, StringComparison.Ordinal);
        if (amp >= 0)
        {
            traceState = Uri.UnescapeDataString(header[(amp + State.Length)..].ToString());
            header = header[..amp];
        }

        return ActivityContext.TryParse(header.ToString(), traceState, isRemote: true, out var context) ? context : default;
    }
}
