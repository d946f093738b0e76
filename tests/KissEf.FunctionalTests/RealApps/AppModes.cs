using KissEf.Tests.Support;

namespace KissEf.Tests.RealApps;

/// <summary>Both deliveries, each through EF's synchronous and asynchronous API: the modes every real-app test runs in.</summary>
public static class AppModes
{
    public static TheoryData<Delivery, bool> All => new()
    {
        { Delivery.Outbox, false },
        { Delivery.Outbox, true },
        { Delivery.Direct, false },
        { Delivery.Direct, true },
    };
}
