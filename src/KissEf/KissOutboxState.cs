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

    /// <summary>
    /// The state of each DbContext type's outbox table, by the context type's name (<see cref="System.Reflection.MemberInfo.Name"/>;
    /// when two of the context types share a name, both by <see cref="Type.FullName"/>). Filled whenever KissEf reads the
    /// outbox, with one entry when the application has one context type, so that a script reads it the same way in
    /// every app. With <c>UseTenants</c> a context's figures are the sum over the tenant databases (the breakdown by
    /// tenant is in <see cref="Tenants"/>). The states inside have no breakdown of their own; null on a state made by hand.
    /// </summary>
    public IReadOnlyDictionary<string, KissOutboxState>? Contexts { get; init; }
}
