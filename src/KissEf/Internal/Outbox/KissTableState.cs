namespace KissEf.Internal.Outbox;

/// <summary>What a look at the outbox table found (<see cref="KissOutboxTable.CheckAsync"/>).</summary>
internal enum KissTableState
{
    /// <summary>The table can be read: the dispatcher may work.</summary>
    Present,

    /// <summary>The database answered, but the table cannot be read: missing (not migrated yet), or not readable.</summary>
    Missing,

    /// <summary>The database cannot be reached (down, refusing connections, or a connection cut on the way).</summary>
    Unreachable,
}
