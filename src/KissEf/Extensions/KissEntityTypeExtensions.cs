using KissEf.Outbox;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Microsoft.EntityFrameworkCore;

/// <summary>
/// Tells KissEf's own entity type apart, for the application's code that changes every entity type of a model (a
/// convention that makes every entity multi-tenant, soft-deletable or audited) or every entry of a save.
/// </summary>
public static class KissEntityTypeExtensions
{
    /// <summary>
    /// True for KissEf's outbox entity (<c>KissEf.Outbox.KissOutboxMessage</c>, table <c>kiss_outbox</c> by default),
    /// which <c>UseKissTracking</c> adds to the model of a context that uses the outbox. Skip it with
    /// <c>if (entityType.IsKissEfEntity()) continue;</c>: KissEf takes off its entity what conventions add to it, and
    /// fails at start-up, naming the change, for what it cannot undo.
    /// </summary>
    public static bool IsKissEfEntity(this IReadOnlyEntityType entityType)
    {
        ArgumentNullException.ThrowIfNull(entityType);
        return entityType.ClrType == typeof(KissOutboxMessage);
    }
}
