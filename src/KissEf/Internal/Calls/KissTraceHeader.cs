using System.Diagnostics;

namespace KissEf.Internal.Calls;

/// <summary>
/// THE format of an outbox row's trace header line: the W3C trace context of the save that wrote the row, kept with
/// its calls without a column of its own, as <c>_traceparent=00-…[&amp;_tracestate=…]</c> (the state
/// percent-encoded), followed on the same line by the row's tenant when there is one (<see cref="KissTenantHeader"/>). Written by <see cref="KissOutboxRowWriter"/>'s callers for a save with a W3C Activity, read back
/// by <see cref="KissOutboxRowReader.Trace"/> for the delivery span's link. It starts with <c>_</c>, where a call
/// line starts with its path letter, so it cannot be taken for a call and is never sent.
/// </summary>
internal static class KissTraceHeader
{
    /// <summary>The first character of a header line, which no call line starts with.</summary>
    public const char Mark = '_';

    private const string Parent = "_traceparent=";
    private const string State = "&_tracestate=";

    /// <summary>The header line for a row written now (without its '\n'), or null with no W3C Activity current.</summary>
    public static string? Write(Activity? activity)
    {
        if (activity is null || activity.IdFormat != ActivityIdFormat.W3C || activity.Id is not { } id)
        {
            return null;
        }

        return activity.TraceStateString is { Length: > 0 } traceState
            ? string.Concat(Parent, id, State, Uri.EscapeDataString(traceState))
            : string.Concat(Parent, id);
    }

    /// <summary>The trace context of a header line (without its '\n'); default when it is not one.</summary>
    public static ActivityContext Parse(ReadOnlySpan<char> header)
    {
        if (!header.StartsWith(Parent, StringComparison.Ordinal))
        {
            return default;
        }

        // Each value ends at the next '&' (the state is percent-encoded): other parameters of the line may follow, the
        // tenant's (KissTenantHeader).
        header = header[Parent.Length..];
        var end = header.IndexOf('&');
        var parent = end < 0 ? header : header[..end];
        string? traceState = null;
        if (end >= 0 && header[end..].StartsWith(State, StringComparison.Ordinal))
        {
            var state = header[(end + State.Length)..];
            var stateEnd = state.IndexOf('&');
            traceState = Uri.UnescapeDataString(stateEnd < 0 ? state : state[..stateEnd]);
        }

        return ActivityContext.TryParse(parent.ToString(), traceState, isRemote: true, out var context) ? context : default;
    }
}
