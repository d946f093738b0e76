namespace KissEf;

/// <summary>A snapshot of the outbox.</summary>
/// <param name="PendingRows">Rows still to send (a row holds a chunk of calls).</param>
/// <param name="PendingCalls">Calls still to send.</param>
/// <param name="DeadRows">Rows given up (calls the endpoint refused, or rows past MaxAge), kept for an operator.</param>
/// <param name="DeadCalls">Calls in dead rows.</param>
/// <param name="OldestPendingAge">How long the oldest pending call has waited; null when nothing is pending.</param>
public sealed record KissOutboxState(int PendingRows, int PendingCalls, int DeadRows, int DeadCalls, TimeSpan? OldestPendingAge)
{
    /// <summary>
    /// With <c>UseTenants</c>, the state of each tenant's database by tenant id (tenants that share a database share its
    /// figures, which the totals count once); null without tenants.
    /// </summary>
    public IReadOnlyDictionary<string, KissOutboxState>? Tenants { get; init; }
}
