namespace KissEf;

/// <summary>What <see cref="IKissOutbox.ForgetAsync"/> removed.</summary>
/// <param name="PendingCalls">Calls about the person that were waiting to be sent.</param>
/// <param name="DeadCalls">Calls about the person in dead rows.</param>
public sealed record KissForgetReport(int PendingCalls, int DeadCalls);
