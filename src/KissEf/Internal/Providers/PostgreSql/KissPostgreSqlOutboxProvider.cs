using System.Data.Common;
using System.Runtime.CompilerServices;
using KissEf.Internal.Outbox;
using KissEf.Internal.Outbox.Dispatch;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Internal.Providers.PostgreSql;

/// <summary>
/// PostgreSQL (Npgsql): claims with <c>FOR UPDATE SKIP LOCKED</c> (<see cref="KissSkipLockedClaim"/>), and wakes other
/// instances with a <c>NOTIFY</c> in the save's transaction (<see cref="KissOutboxNotify"/>) that a <c>LISTEN</c> on
/// each dispatcher receives (<see cref="KissNpgsqlListener"/>); a save EF runs as one command carries its outbox rows in
/// that command (<see cref="KissNpgsqlSaveCommand"/>).
/// </summary>
internal sealed class KissPostgreSqlOutboxProvider : KissOutboxProvider
{
    public static readonly KissPostgreSqlOutboxProvider Instance = new();

    private KissPostgreSqlOutboxProvider()
    {
    }

    public override string? ProviderName => "Npgsql.EntityFrameworkCore.PostgreSQL";

    public override bool Listens => true;

    // PostgreSQL's SQLSTATE: undefined_table, undefined_column, invalid_schema_name (a schema not created yet).
    public override bool? IsMissingTable(DbException error) => error.SqlState is "42P01" or "42703" or "3F000";

    public override string? ClaimSql(KissOutboxNames names) => KissSkipLockedClaim.Sql(names);

    // Locked in key order: two bulk operations over the same rows wait for each other instead of deadlocking.
    public override string? LockRowsSql(string table, string keyColumn)
        => $"SELECT 1 FROM {table} WHERE {keyColumn} = ANY({{0}}) ORDER BY {keyColumn} FOR UPDATE";

    public override string NotifySuffix(KissOutboxNames names) => KissOutboxNotify.Suffix(names);

    public override void AddContextServices(IServiceCollection services) => services.AddScoped(KissNpgsqlSaveCommand.For);

    public override Task ListenAsync(DbContext db, KissWakeSignal signal, StrongBox<bool> listening, CancellationToken cancellationToken)
        => KissNpgsqlListener.ListenAsync(db, signal, listening, cancellationToken);
}
