using KissEf;

namespace Shop.Maps;

/// <summary>A map of an app whose interceptor turns deletes into updates of IsDeleted (docs/maps.md, soft delete).</summary>
public sealed class SoftDeleteTracking : IKissEntityTypeConfiguration<TodoItem>
{
    public void Configure(KissEntityTypeBuilder<TodoItem> item)
    {
        item.HasIdentity(i => i.OwnerEmail);

        #region soft-delete
        item.OnChanged(x => x.IsDeleted).When(x => x.IsDeleted).Record("Deleted Todo");  // the soft delete
        item.OnDeleted().Record("Purged Todo");                                          // a row really deleted
        #endregion
    }
}
