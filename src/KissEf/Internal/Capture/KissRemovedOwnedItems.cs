using System.Runtime.CompilerServices;
using KissEf.Internal.Building;
using KissEf.Internal.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;

namespace KissEf.Internal.Capture;

/// <summary>
/// An item removed from an owned collection is deleted, and gone from the collection: its owner, unchanged
/// otherwise, is found through the item's foreign key as it was, and captured as modified, unless the items added to
/// the collection hold the values of the removed ones (value objects replaced by equal ones).
/// </summary>
internal static class KissRemovedOwnedItems
{
    public static void Capture<TEntity>(KissEntityMap<TEntity> map, KissModel model, ChangeTracker tracker, IKissChangeSet changes)
        where TEntity : class
    {
        foreach (var collection in Collections<TEntity>.Of(tracker.Context.Model))
        {
            foreach (var item in collection.Entries(tracker))
            {
                if (item.State != EntityState.Deleted || !ReferenceEquals(item.Metadata, collection.Type))
                {
                    continue;
                }

                var keys = collection.Ownership.Properties.Select(p => item.OriginalValues[p]).ToArray();
                if (collection.FindOwner(tracker.Context, keys) is { State: EntityState.Unchanged } owner
                    && ReferenceEquals(model.FindMap(owner.Entity.GetType()), map)
                    && !changes.Contains(owner.Entity)
                    && KissOwnedChanges.CollectionChanged(owner, collection.Ownership.PrincipalToDependent!, removedSeen: true))
                {
                    KissEntryCapture.CaptureModified(map, owner, changes);
                }
            }
        }
    }

    /// <summary>
    /// The owned collections of the EF types <typeparamref name="TEntity"/> maps, per EF model: they depend on the CLR
    /// type and the model only, and are worked out once (weakly held: a model dropped by EF is not kept alive here).
    /// </summary>
    private static class Collections<TEntity>
        where TEntity : class
    {
        private static readonly ConditionalWeakTable<IModel, KissOwnedCollection[]> ByModel = new();

        public static KissOwnedCollection[] Of(IModel model)
            => ByModel.GetValue(model, static efModel => [.. efModel.GetEntityTypes()
                .Where(t => !t.IsOwned() && typeof(TEntity).IsAssignableFrom(t.ClrType))
                .SelectMany(t => t.GetDeclaredNavigations())
                .Where(n => n.IsCollection && n.ForeignKey.IsOwnership && !n.IsOnDependent)
                .Select(n => (Navigation: n, FindOwner: KissTrackedEntries.Finder(n.DeclaringEntityType.GetRootType())))
                .Where(c => c.FindOwner is not null)
                .Select(c => new KissOwnedCollection(
                    c.Navigation.TargetEntityType,
                    KissTrackedEntries.OfClrType(c.Navigation.TargetEntityType.ClrType),
                    c.Navigation.ForeignKey,
                    c.FindOwner!))]);
    }
}
