using KissEf;

namespace Shop.Maps;

#region tenant-identity
public sealed class MemberTracking : IKissEntityTypeConfiguration<Member>
{
    public void Configure(KissEntityTypeBuilder<Member> member)
    {
        // "acme:ann@example.com": the same e-mail in another tenant is another person; no tenant, no person.
        member.HasIdentity<ITenantContext>((m, tenant) => tenant.Id == null ? null : $"{tenant.Id}:{m.Email}");
        member.OnAdded().Record("Joined");
    }
}
#endregion
