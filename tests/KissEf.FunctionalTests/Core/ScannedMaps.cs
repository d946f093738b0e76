using KissEf.Tests.Support;

namespace KissEf.Tests.Core.ScannedMaps;

/// <summary>Found by ApplyConfigurationsFromAssembly (MapRegistrationTests); counts how often it is configured.</summary>
public sealed class CountingCustomerTracking : IKissEntityTypeConfiguration<ShopCustomer>
{
    private static int _configured;

    public static int Configured => Volatile.Read(ref _configured);

    public void Configure(KissEntityTypeBuilder<ShopCustomer> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Interlocked.Increment(ref _configured);
        builder.HasIdentity(c => c.Email);
        builder.OnAdded().Record("Scanned Sign Up").With("plan", c => c.Plan);
    }
}

/// <summary>Found by ApplyConfigurationsFromAssembly (MapRegistrationTests).</summary>
public sealed class ScannedOrderTracking : IKissEntityTypeConfiguration<ShopOrder>
{
    public void Configure(KissEntityTypeBuilder<ShopOrder> builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.HasIdentity(o => o.Reference);
        builder.OnAdded().Record("Scanned Order").With("total", o => o.Total);
    }
}
