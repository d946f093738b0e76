using KissEf.Commands;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Commands;

/// <summary>A command run in an app that has no outbox says why in one line, not "No service for type …".</summary>
public sealed class KissCommandServicesTests
{
    [Fact]
    public void An_app_without_KissEf_is_told_to_call_AddKissTracking()
    {
        using var services = new ServiceCollection().AddLogging().BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => KissCommandServices.Outbox(services, "status"));

        Assert.Equal(
            "this app does not register KissEf: call AddKissTracking(...) on its services (the host given to RunWithKissCommandsAsync), then run 'kissef status' again.",
            error.Message);
    }

    [Fact]
    public void An_app_with_direct_delivery_is_told_it_has_no_outbox_table()
    {
        var collection = new ServiceCollection().AddLogging();
        collection.AddKissTracking(kiss => kiss.UseApiKey("key").UseDirectDelivery());
        using var services = collection.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => KissCommandServices.Outbox(services, "dead"));

        Assert.StartsWith("this app delivers its calls without an outbox (direct delivery", error.Message, StringComparison.Ordinal);
        Assert.Contains("'kissef dead'", error.Message, StringComparison.Ordinal);
    }
}
