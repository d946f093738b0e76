using KissEf;

namespace Shop.Maps;

#region order-map
public sealed class OrderTracking : IKissEntityTypeConfiguration<Order>
{
    public void Configure(KissEntityTypeBuilder<Order> order)
    {
        order.HasIdentity(o => o.Customer!.Email);   // read from the customer, loaded for the save if it is not
        order.OnAdded().Record("Purchased")
            .With("order id", o => o.Id)
            .With("amount", o => o.Total)
            .At(o => o.PlacedAt);                     // DateTimeOffset
        order.OnChanged(o => o.Status)
            .Set("last order status", o => o.Status)
            .At(o => o.UpdatedAt);
    }
}
#endregion
