using KissEf;
using SampleApp.Model;

namespace SampleApp.Tracking;

/// <summary>Which changes of an order become KISSmetrics calls.</summary>
public sealed class OrderTracking : IKissEntityTypeConfiguration<Order>
{
    public void Configure(KissEntityTypeBuilder<Order> builder)
    {
        // A computed expression runs on the order object: its Customer must be set when it is saved.
        builder.HasIdentity(o => o.Customer!.Email);

        // /e "Purchased", dated by the order rather than by the save.
        builder.OnAdded().Record("Purchased")
            .With("order id", o => o.Id)
            .With("amount", o => o.Total)
            .At(o => o.PlacedAt);
    }
}
