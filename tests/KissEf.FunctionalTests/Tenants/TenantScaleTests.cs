using System.Diagnostics;
using KissEf.Tests.Support.Tenants;
using Xunit.Abstractions;

namespace KissEf.Tests.Tenants;

/// <summary>Issue 17 at scale: 100 tenant databases, each with its worker.</summary>
public sealed class TenantScaleTests(ITestOutputHelper output) : TenantTestBase
{
    protected override int Tenants => 100;

    [Fact]
    public async Task A_hundred_tenant_databases_with_concurrent_writers_on_a_started_host_get_every_call_delivered_once()
    {
        // 300 writers on SQLite block threads in its busy handler: a request may wait for a thread longer than the tests' 5 s.
        var host = CreateHost(o =>
        {
            o.PollInterval = TimeSpan.FromSeconds(1);
            o.RequestTimeout = TimeSpan.FromSeconds(60);
        });
        await host.EnsureCreatedAsync(Files.Ids);
        await host.StartAsync();

        var clock = Stopwatch.StartNew();
        var expected = await TenantWorkload.WriteAsync(host, Files.Ids, writersPerTenant: 3, savesPerWriter: 3, usersPerSave: 3);
        var written = clock.Elapsed;

        await AssertDeliveredOnceAsync(expected, TimeSpan.FromSeconds(120), host);
        output.WriteLine($"{expected.Count} calls over {Tenants} tenants: written in {written.TotalSeconds:0.0} s, all delivered after {clock.Elapsed.TotalSeconds:0.0} s");
        await host.Dispatcher.FlushAsync();
        var state = await host.Outbox.GetStateAsync();
        Assert.Equal(0, state.PendingCalls);
        Assert.Equal(Tenants, state.Tenants!.Count);
        await host.StopAsync();
        AssertNoWarnings(host);
    }
}
