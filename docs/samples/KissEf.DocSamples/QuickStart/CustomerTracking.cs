using KissEf;
namespace Shop;

#region customer-tracking
public sealed class CustomerTracking : IKissEntityTypeConfiguration<Customer>
{
    public void Configure(KissEntityTypeBuilder<Customer> customer)
    {
        customer.HasIdentity(c => c.Email);            // the person (_p) of every call
        customer.OnAdded().Record("Signed Up")         // /e when a customer is inserted
            .With("plan", c => c.Plan)
            .With("customer id", c => c.Id);           // the key the database generated
    }
}
#endregion
