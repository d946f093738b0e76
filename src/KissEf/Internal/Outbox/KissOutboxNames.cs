using KissEf.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace KissEf.Internal.Outbox;

/// <summary>
/// The outbox table and its columns, as a provider's SQL spells them: names from the EF model, quoted by the provider's
/// <see cref="ISqlGenerationHelper"/>, for the SQL written by hand (the table check, a provider's claim and wake).
/// </summary>
internal sealed class KissOutboxNames
{
    private readonly IEntityType _entity;
    private readonly StoreObjectIdentifier _store;

    private KissOutboxNames(DbContext db)
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

    public static KissOutboxNames Of(DbContext db) => new(db);

    /// <summary>The quoted column of <paramref name="property"/>.</summary>
    public string Column(string property) => Sql.DelimitIdentifier(_entity.FindProperty(property)!.GetColumnName(_store)!);
}
