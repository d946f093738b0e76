using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Capture;

/// <summary>An owned collection of a type a map applies to: how to list its items and find their owner.</summary>
/// <param name="Type">The owned item's EF type.</param>
/// <param name="Entries">The tracked entries of the item's CLR type.</param>
/// <param name="Ownership">The item's foreign key to its owner.</param>
/// <param name="FindOwner">Finds the owner's tracked entry by key.</param>
internal sealed record KissOwnedCollection(
    IEntityType Type,
    Func<ChangeTracker, IEnumerable<EntityEntry>> Entries,
    IForeignKey Ownership,
    Func<DbContext, object?[], EntityEntry?> FindOwner);
