using KissEf.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace KissEf.Internal.Providers;

/// <summary>
/// Tells a context's provider from its EF provider name (the provider's assembly name, stable across versions), and
/// names the outbox table and columns for hand-written SQL, quoted by the provider's <see cref="ISqlGenerationHelper"/>.
/// </summary>
internal static class KissOutboxProviders
{
    public const string NpgsqlProvider = "Npgsql.EntityFrameworkCore.PostgreSQL";
    public const string SqliteProvider = "Microsoft.EntityFrameworkCore.Sqlite";

    public static KissOutboxProvider Of(DbContext db) => Of(db.Database.ProviderName);

    /// <summary>The provider of an EF provider name (<c>DatabaseFacade.ProviderName</c>).</summary>
    public static KissOutboxProvider Of(string? providerName) => providerName switch
    {
        NpgsqlProvider => KissOutboxProvider.PostgreSql,
        SqliteProvider => KissOutboxProvider.Sqlite,
        _ => KissOutboxProvider.Unknown,
    };

    /// <summary>
    /// The PostgreSQL channel a commit that wrote outbox rows notifies: one per outbox table (schema included), quoted.
    /// PostgreSQL delivers a NOTIFY only when its transaction commits, to listeners of the same database.
    /// </summary>
    public static string Channel(DbContext db)
    {
        var names = Names.Of(db);
        return names.Sql.DelimitIdentifier(names.Schema is null ? "kissef:" + names.Table : $"kissef:{names.Schema}.{names.Table}");
    }

    /// <summary>The outbox table and its columns, as a provider's SQL spells them.</summary>
    internal sealed class Names
    {
        private readonly IEntityType _entity;
        private readonly StoreObjectIdentifier _store;

        private Names(DbContext db)
        {
            _entity = db.Model.FindEntityType(typeof(KissOutboxMessage))
                ?? throw new InvalidOperationException(
                    $"KissEf's outbox entity is not in the model of {db.GetType().Name}: was UseKissTracking(sp) called after the provider was configured?");
            Sql = db.GetService<ISqlGenerationHelper>();
            _store = StoreObjectIdentifier.Table(_entity.GetTableName()!, _entity.GetSchema());
            Table = _store.Name;
            Schema = _store.Schema;
        }

        public ISqlGenerationHelper Sql { get; }

        public string Table { get; }

        public string? Schema { get; }

        /// <summary>The quoted, schema-qualified table name.</summary>
        public string QuotedTable => Sql.DelimitIdentifier(Table, Schema);

        public static Names Of(DbContext db) => new(db);

        /// <summary>The quoted column of <paramref name="property"/>.</summary>
        public string Column(string property) => Sql.DelimitIdentifier(_entity.FindProperty(property)!.GetColumnName(_store)!);
    }
}
