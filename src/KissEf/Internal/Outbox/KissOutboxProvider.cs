using System.Data.Common;
using System.Runtime.CompilerServices;
using KissEf.Internal.Outbox.Dispatch;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Internal.Outbox;

/// <summary>
/// What one database provider adds to the outbox: declared here, implemented under <c>Internal/Providers/</c> (a folder
/// per provider, and the portable fallback), chosen once per context by <see cref="IKissOutboxProviders"/> from its EF
/// provider name. The defaults are the portable outbox, which works on any relational provider: a claim in plain EF,
/// no wake for other instances (the poll finds their commits), nothing added to EF's services. A provider overrides
/// only what its database does better; everything else in the outbox stays portable EF.
/// </summary>
internal abstract class KissOutboxProvider
{
    /// <summary>
    /// The EF provider name this is for (<c>DatabaseFacade.ProviderName</c>: the provider's assembly name, stable across
    /// versions); null for the portable fallback, which serves a provider KissEf has no code of its own for (log 2008).
    /// </summary>
    public abstract string? ProviderName { get; }

    /// <summary>Whether <see cref="ListenAsync"/> receives the wakes other instances' commits send (false: the poll finds them).</summary>
    public virtual bool Listens => false;

    /// <summary>
    /// The claim, as SQL for <c>FromSqlRaw</c> that leases the due rows and returns them ({0} owner, {1} lease end,
    /// {2} now, {3} batch size); null for the portable claim.
    /// </summary>
    public virtual string? ClaimSql(KissOutboxNames names) => null;

    /// <summary>
    /// Whether <paramref name="error"/>, raised by KissEf's INSERT into the outbox, says that the table, or a column of
    /// it, does not exist (a migration is due): true; that the database refused the rows for another reason (a
    /// constraint, a trigger, a permission): false; null when the provider's error does not tell. The portable answer
    /// reads the standard SQLSTATE (undefined table or column), which not every ADO.NET provider sets.
    /// </summary>
    public virtual bool? IsMissingTable(DbException error) => error.SqlState switch
    {
        null => null,
        "42P01" or "42S02" or "42703" or "42S22" => true,
        _ => false,
    };

    /// <summary>SQL appended to the outbox INSERT, so that it runs in the save's transaction: a wake other instances receive when it commits; empty for none.</summary>
    public virtual string NotifySuffix(KissOutboxNames names) => string.Empty;

    /// <summary>
    /// Receives other instances' wakes on <paramref name="db"/>'s connection and sets <paramref name="signal"/> at each,
    /// until cancelled or the connection fails; <paramref name="listening"/> is set once it listens (a failure after
    /// that is a lost connection). Called only when <see cref="Listens"/>.
    /// </summary>
    public virtual Task ListenAsync(DbContext db, KissWakeSignal signal, StrongBox<bool> listening, CancellationToken cancellationToken)
        => throw new NotSupportedException($"{GetType().Name} does not listen.");

    /// <summary>
    /// SQL that locks the rows of <paramref name="table"/> whose <paramref name="keyColumn"/> is one of the keys in
    /// parameter {0} (an array) until the transaction ends, for <c>ExecuteSqlRaw</c>: a tracked bulk operation takes it
    /// before it reads a chunk's rows as they are, so no other writer changes one between that read and its statement.
    /// Null when the database needs none, or KissEf has none for it (the portable answer: a write transaction of SQLite
    /// already keeps every other writer out; elsewhere the transaction's isolation level decides, see docs/bulk-operations.md).
    /// </summary>
    /// <param name="table">The table, delimited and schema-qualified by the provider.</param>
    /// <param name="keyColumn">The key column, delimited.</param>
    public virtual string? LockRowsSql(string table, string keyColumn) => null;

    /// <summary>
    /// What names the database <paramref name="connection"/> opens, without opening it: tenants whose contexts name the
    /// same database share one outbox table, and one worker. The default is the connection's data source (the server)
    /// and database; null when the connection names neither (then each tenant is worked on its own).
    /// </summary>
    public virtual string? DatabaseIdentity(DbConnection connection)
        => string.IsNullOrEmpty(connection.DataSource) ? null : $"{connection.DataSource}/{connection.Database}";

    /// <summary>
    /// Adds to EF's internal services of a context that writes to the outbox. Called for every known provider: EF builds
    /// those services before a connection says which provider is in use, so what is added checks it at run time.
    /// </summary>
    public virtual void AddContextServices(IServiceCollection services)
    {
    }
}
