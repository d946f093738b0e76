namespace KissEf.Internal.Outbox;

/// <summary>
/// The outcome of <see cref="KissOutboxTable.CheckAsync"/>: the state, the table's name, and the provider's error if any
/// (with tenants, or the application's failure to enter the tenant).
/// </summary>
internal readonly record struct KissTableCheck(KissTableState State, string Table, Exception? Error)
{
    /// <summary>The error in one line, as the logs and messages quote it (no stack trace, no connection string).</summary>
    public string ErrorText => Error is null ? string.Empty : KissOutboxTable.Describe(Error);
}
