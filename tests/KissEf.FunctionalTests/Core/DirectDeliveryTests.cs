using System.Diagnostics;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Core;

/// <summary>Direct delivery: transient failures are retried with the same URL, permanent ones are not, and stop drains in bounded time.</summary>
public sealed class DirectDeliveryTests
{
    private const int DeliveryFailed = 2002;
    private const int ShutdownLeftCalls = 2004;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(408)]
    public async Task A_transient_failure_then_success_is_retried_and_delivered_once(int status)
    {
        await using var host = await StartAsync();
        host.Server.FailNext(1, status);

        host.Add(Customer("ann"));

        await host.FlushAsync();
        var delivered = Assert.Single(host.Server.Calls);
        CallAssert.Is(delivered, "/e", ("_p", "ann@example.com"), ("_n", "Signed Up"));

        // The retry is the same URL, _t included, so the vendor counts it once.
        Assert.Equal([status, 200], host.Server.AllRequests.Select(r => r.StatusCode));
        Assert.All(host.Server.AllRequests, r => Assert.Equal(delivered.Url, r.Url));
        Assert.Equal(2, host.Server.AttemptsFor(delivered));
        Assert.Empty(host.Logs.WithEventId(DeliveryFailed));
    }

    [Fact]
    public async Task A_network_failure_is_retried()
    {
        await using var host = await StartAsync();
        host.Server.RespondNext(FakeResponse.Abort);

        host.Add(Customer("ann"));

        await host.FlushAsync();
        CallAssert.Is(Assert.Single(host.Server.Calls), "/e", ("_p", "ann@example.com"), ("_n", "Signed Up"));
        Assert.Equal([0, 200], host.Server.AllRequests.Select(r => r.StatusCode));
    }

    [Fact]
    public async Task A_429_waits_for_its_Retry_After()
    {
        await using var host = await StartAsync();
        host.Server.RespondWith429(1, TimeSpan.FromSeconds(1));

        host.Add(Customer("ann"));

        await host.FlushAsync();
        CallAssert.Is(Assert.Single(host.Server.Calls), "/e", ("_p", "ann@example.com"), ("_n", "Signed Up"));
        var requests = host.Server.AllRequests;
        Assert.Equal([429, 200], requests.Select(r => r.StatusCode));

        // With a 20 ms base delay, only the server's Retry-After explains a wait of about a second.
        var waited = requests[1].ReceivedAt - requests[0].ReceivedAt;
        Assert.True(waited >= TimeSpan.FromMilliseconds(900), $"The retry came {waited.TotalMilliseconds} ms after the 429.");
    }

    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(404)]
    public async Task A_permanent_failure_is_not_retried_and_is_logged(int status)
    {
        await using var host = await StartAsync();
        host.Server.FailNext(1, status);

        host.Add(Customer("ann"));
        await host.FlushAsync();

        var request = Assert.Single(host.Server.AllRequests);
        Assert.Equal(status, request.StatusCode);
        Assert.Empty(host.Server.Calls);
        var failed = Assert.Single(host.Logs.WithEventId(DeliveryFailed));
        Assert.Equal(LogLevel.Warning, failed.Level);
        Assert.Contains("Signed Up", failed.Message, StringComparison.Ordinal);
        Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), failed.Message, StringComparison.Ordinal);

        // Delivery goes on for the next calls.
        host.Add(Customer("bob"));
        await host.FlushAsync();
        Assert.Equal("bob@example.com", Assert.Single(host.Server.Calls).Get("_p"));
    }

    [Fact]
    public async Task A_call_that_keeps_failing_is_given_up_after_MaxAttempts()
    {
        await using var host = await StartAsync(o => o.MaxAttempts = 3);
        host.Server.AlwaysFail(503);

        host.Add(Customer("ann"));
        await host.FlushAsync();

        Assert.Equal(3, host.Server.AllRequests.Count);
        Assert.Empty(host.Server.Calls);
        var failed = Assert.Single(host.Logs.WithEventId(DeliveryFailed));
        Assert.Contains("503", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_delivers_what_is_queued_and_in_flight()
    {
        await using var host = await StartAsync(o => o.MaxConcurrency = 2);

        // Slow answers: when the host stops, calls are both in flight and waiting in the queue.
        host.Server.SetResponder((_, _) => new FakeResponse(200, Delay: TimeSpan.FromMilliseconds(150)));
        host.Add(Enumerable.Range(0, 20).Select(i => (object)Customer($"c{i}")).ToArray());
        await host.Server.WaitForRequestsAsync(1, Deadline);

        await host.StopHostAsync();

        Assert.Equal(20, host.Server.Calls.Count);
        Assert.Equal(
            Enumerable.Range(0, 20).Select(i => $"c{i}@example.com").Order(StringComparer.Ordinal),
            host.Server.Calls.Select(c => c.Get("_p")!).Order(StringComparer.Ordinal));
        Assert.Empty(host.Logs.WithEventId(ShutdownLeftCalls));
    }

    [Fact]
    public async Task StopAsync_gives_up_after_the_ShutdownTimeout_and_says_so()
    {
        await using var host = await StartAsync(o =>
        {
            o.MaxConcurrency = 1;
            o.ShutdownTimeout = TimeSpan.FromMilliseconds(500);
            o.RequestTimeout = TimeSpan.FromSeconds(30);
        });

        // The server hangs: nothing can be delivered before the shutdown timeout. (The server records a request
        // only once answered, so its responder tells when the first one arrived.)
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Server.SetResponder((_, _) =>
        {
            arrived.TrySetResult();
            return new FakeResponse(200, Delay: TimeSpan.FromSeconds(30));
        });
        host.Add(Enumerable.Range(0, 20).Select(i => (object)Customer($"c{i}")).ToArray());
        await arrived.Task.WaitAsync(Deadline);

        var clock = Stopwatch.StartNew();
        await host.StopHostAsync();
        clock.Stop();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"StopAsync took {clock.Elapsed}.");
        var left = Assert.Single(host.Logs.WithEventId(ShutdownLeftCalls));
        Assert.Equal(LogLevel.Warning, left.Level);
        Assert.Empty(host.Server.Calls);
    }

    private static Task<TestHost> StartAsync(Action<KissTrackingOptions>? options = null) => TestHost.StartAsync(
        Delivery.Direct,
        kiss => kiss.Entity<ShopCustomer>(c =>
        {
            c.HasIdentity(x => x.Email);
            c.OnAdded().Record("Signed Up");
        }),
        o => o.Kiss = options);

    private static ShopCustomer Customer(string name) => new() { Email = $"{name}@example.com" };
}
