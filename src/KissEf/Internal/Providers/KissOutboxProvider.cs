namespace KissEf.Internal.Providers;

/// <summary>Which SQL the outbox's claim and wake use on a context's provider.</summary>
internal enum KissOutboxProvider
{
    /// <summary>A relational provider KissEf has no SQL of its own for: the portable claim, polling for other instances' commits.</summary>
    Unknown,

    /// <summary>SQLite: the portable claim (one writer, no row locks), polling for other processes' commits.</summary>
    Sqlite,

    /// <summary>PostgreSQL (Npgsql): claims with <c>FOR UPDATE SKIP LOCKED</c>, wakes other instances with <c>LISTEN</c>/<c>NOTIFY</c>.</summary>
    PostgreSql,
}
