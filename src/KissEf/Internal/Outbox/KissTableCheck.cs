using System.Data.Common;

namespace KissEf.Internal.Outbox;

/// <summary>The outcome of <see cref="KissOutboxTable.CheckAsync"/>: the state, the table's name, and the provider's error if any.</summary>
internal readonly record struct KissTableCheck(KissTableState State, string Table, DbException? Error)
{
    /// <summary>The provider's error in one line, as the logs and messages quote it (no stack trace, no connection string).</summary>
    public string ErrorText => Error is null ? string.Empty : KissOutboxTable.Describe(Error);
}
