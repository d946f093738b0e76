using KissEf;

namespace Shop.Maps;

#region customer-map
public sealed class CustomerTracking : IKissEntityTypeConfiguration<Customer>
{
    public void Configure(KissEntityTypeBuilder<Customer> customer)
    {
        // The person (_p) of every call from this entity. Required.
        customer.HasIdentity(c => c.Email);

        // /e when a customer is inserted.
        customer.OnAdded().Record("Signed Up")
            .With("plan", c => c.Plan)
            .With("gender", c => c.Gender);

        // /e when a modified customer is saved and the saved Plan differs from its original value.
        customer.OnChanged(c => c.Plan).Record("Changed Plan")
            .With("plan", c => c.Plan)                     // the value as saved
            .WithOriginal("previous plan", c => c.Plan);   // the value before the change

        // /s: one call that sets both properties, when Country changed.
        customer.OnChanged(c => c.Country)
            .Set("country", c => c.Country)
            .Set("region", c => c.Region);

        // /e on any saved modification, but only for VIP customers.
        customer.OnModified().When(c => c.IsVip).Record("VIP Updated");

        // /e when a customer is deleted.
        customer.OnDeleted().Record("Closed Account");

        // /a with _p = old email, _n = new email, when Email changes.
        customer.AliasOnChange(c => c.Email);

        // /a with _p = LegacyId, _n = Email, when both are set: on add, and whenever either changes.
        customer.Alias(c => c.LegacyId, c => c.Email);
    }
}
#endregion
