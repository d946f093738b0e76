using KissEf.Tests.Infrastructure;

namespace KissEf.Tests.Tenants;

/// <summary>The set-up of a tenant test class: per test, a fresh <see cref="FakeTrackingServer"/>, gone after the test.</summary>
public abstract class SaasTestBase : IAsyncLifetime
{
    /// <summary>How long a test waits for the calls it expects.</summary>
    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    protected FakeTrackingServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await FakeTrackingServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
