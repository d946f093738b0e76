using System.Diagnostics;
using System.Text;
using KissEf.Internal.Calls;
using KissEf.Internal.Protocol;
using KissEf.Outbox;

namespace KissEf.Internal.Outbox.Dispatch;

/// <summary>
/// What became of each call of one claimed row, as the batch sender records it: delivered, refused, or still pending
/// (held back, or failed worth retrying). Tells the settler what to delete, what to try again and what to bury.
/// </summary>
internal sealed class KissRowOutcome
{
    private readonly LineState[] _states;
    private readonly Lock _gate = new();

    // The row's text as the codec reads it: its header (trace and tenant, never sent) and where each call's line stands.
    private readonly KissOutboxRowReader _text;
    private volatile bool _failed;
    private volatile bool _delivered;

    public KissRowOutcome(KissOutboxMessage row)
    {
        Row = row;
        _text = new KissOutboxRowReader(row.Calls);
        Trace = _text.Trace;
        Tenant = _text.Tenant;
        Lines = _text.LineRanges();
        _states = new LineState[Lines.Length];
    }

    private enum LineState : byte
    {
        /// <summary>Not sent in this attempt (held back), or failed with an error worth retrying.</summary>
        Pending,
        Delivered,

        /// <summary>The endpoint refused it (a status other than 408, 429, 5xx): sending it again would not help.</summary>
        Refused,
    }

    public KissOutboxMessage Row { get; }

    /// <summary>The trace context of the save that wrote the row; default for a row written without one.</summary>
    public ActivityContext Trace { get; }

    /// <summary>With tenants, the tenant of the save that wrote the row: its calls are sent with that tenant's key.</summary>
    public string? Tenant { get; }

    /// <summary>Where each call's line stands in the row's text (sent from there, never copied out).</summary>
    public Range[] Lines { get; }

    public ReadOnlyMemory<char> Line(int index) => Row.Calls.AsMemory(Lines[index]);

    /// <summary>
    /// A call of this row failed retryably and none was delivered in this attempt: the calls not yet started wait
    /// for the row's next attempt.
    /// </summary>
    public bool HoldsBack => _failed && !_delivered;

    /// <summary>The last retryable error, if any.</summary>
    public string? RetryError { get; private set; }

    /// <summary>The last refusal, if any.</summary>
    public string? Refusal { get; private set; }

    public TimeSpan? RetryAfter { get; private set; }

    public bool AllDelivered
    {
        get
        {
            lock (_gate)
            {
                return Array.TrueForAll(_states, s => s == LineState.Delivered);
            }
        }
    }

    public void Record(int line, KissSendResult result)
    {
        lock (_gate)
        {
            if (result.Delivered)
            {
                _states[line] = LineState.Delivered;
                _delivered = true;
                return;
            }

            if (!result.Retryable)
            {
                _states[line] = LineState.Refused;
                Refusal = result.Error ?? "refused";
                return;
            }

            _failed = true;
            RetryError = result.Error;
            if (result.RetryAfter is { } after && (RetryAfter is null || after > RetryAfter))
            {
                RetryAfter = after;
            }
        }
    }

    /// <summary>
    /// The calls not delivered, to keep: the refused ones (<paramref name="refused"/> true), the pending ones
    /// (false), or both (null).
    /// </summary>
    public (string Calls, int Count) Remaining(bool? refused)
    {
        // The calls kept stay with the trace context of their save.
        var text = KissOutboxRowWriter.Start(new StringBuilder(), _text.Header);
        lock (_gate)
        {
            for (var i = 0; i < Lines.Length; i++)
            {
                var state = _states[i];
                if (state == LineState.Delivered || (refused is { } want && want != (state == LineState.Refused)))
                {
                    continue;
                }

                text.Line(Row.Calls.AsSpan(Lines[i]));
            }
        }

        return text.Count == 0 ? (string.Empty, 0) : (text.ToString(), text.Count);
    }
}
