using KissEf;
using SampleApp.Model;

namespace SampleApp.Tracking;

/// <summary>Which changes of a customer become KISSmetrics calls.</summary>
public sealed class CustomerTracking : IKissEntityTypeConfiguration<Customer>
{
    public void Configure(KissEntityTypeBuilder<Customer> builder)
    {
        // The person (_p) of every call about a customer.
        builder.HasIdentity(c => c.Email);

        // A new customer: /e "Signed Up". The id is the one the database generated (a plain member access
        // is read from EF's entry, which holds it before the object does).
        builder.OnAdded().Record("Signed Up")
            .With("customer id", c => c.Id)
            .With("plan", c => c.Plan)
            .With("gender", c => c.Gender);

        // Only when the saved plan differs from the one loaded: /e with the new and the previous plan.
        builder.OnChanged(c => c.Plan).Record("Changed Plan")
            .With("plan", c => c.Plan)
            .WithOriginal("previous plan", c => c.Plan);

        // A move: one /s call that sets both properties of the person.
        builder.OnChanged(c => c.Country)
            .Set("country", c => c.Country)
            .Set("region", c => c.Region);

        // Any saved change of a VIP customer.
        builder.OnModified().When(c => c.IsVip).Record("VIP Updated");

        builder.OnDeleted().Record("Closed Account");

        // The same deletion from the side of whoever did it: the person is the support agent of this scope.
        builder.OnDeleted().IdentifiedBy<SupportAgent>(agent => agent.Email).Record("Removed Customer");

        // A new email: /a old email -> new email, so the person keeps their history.
        builder.AliasOnChange(c => c.Email);

        // The id of the old system and the email are the same person: /a once both are known.
        builder.Alias(c => c.LegacyId, c => c.Email);
    }
}
