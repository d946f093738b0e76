namespace KissEf;

/// <summary>A snapshot of the outbox.</summary>
/// <param name="PendingRows">Rows still to send (a row holds a chunk of calls).</param>
/// <param name="PendingCalls">Calls still to send.</param>
/// <param name="DeadRows">Rows given up (calls the endpoint refused, or rows past MaxAge), kept for an operator.</param>
/// <param name="DeadCalls">Calls in dead rows.</param>
/// <param name="OldestPendingAge">How long the oldest pending call has waited; null when nothing is pending.</param>
public sealed record KissOutboxState(int PendingRows, int PendingCalls, int DeadRows, int DeadCalls, TimeSpan? OldestPendingAge);
