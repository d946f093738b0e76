using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;

// Not KissEf.Tests.Delivery: that name would hide the Support.Delivery enum the other tests use.
namespace KissEf.Tests.DeliveryTests;

/// <summary>
/// Issue 8, item 7: in an outbox row holding several calls of one save, a call the endpoint refuses (400) is kept as
/// dead on its own; a call of the same row that failed with a 500 is retried and delivered, and so are the others.
/// </summary>
public sealed class RefusedCallTests
{
    private const int Dead = 2007;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(4)] // every call of the row tried in the first attempt
    [InlineData(1)] // the 500 holds the row's other calls back, the 400 comes at the next attempt
    public async Task A_refused_call_is_dead_on_its_own_and_its_neighbours_are_retried_and_delivered(int concurrency)
    {
        await using var host = await TestHost.StartAsync(
            Delivery.Outbox,
            kiss => kiss.Entity<ShopCustomer>(c =>
            {
                c.HasIdentity(x => x.Email);
                c.OnAdded().Record("Signed Up");
            }),
            o => o.Kiss = k => k.MaxConcurrency = concurrency);
        const string refused = "refused@example.com";
        const string flaky = "flaky@example.com";
        host.Server.SetResponder((call, attempt) => call.Get("_p") switch
        {
            refused => FakeResponse.Status(400),
            flaky when attempt == 1 => FakeResponse.Status(500),
            _ => null,
        });

        // One save: one row holding the four calls.
        host.Add(Customer("flaky"), Customer("ok1"), Customer("refused"), Customer("ok2"));
        await host.Server.WaitForCallsAsync(3, Deadline);
        await host.FlushAsync();

        // Delivered: the three others, the flaky one after its 500. The refused one was sent once, never again.
        Assert.Equal(
            ["flaky@example.com", "ok1@example.com", "ok2@example.com"],
            host.Server.Calls.Select(c => c.Get("_p")!).Order(StringComparer.Ordinal));
        Assert.Equal([500, 200], host.Server.AllRequests.Where(r => r.Get("_p") == flaky).Select(r => r.StatusCode));
        Assert.Equal(400, Assert.Single(host.Server.AllRequests, r => r.Get("_p") == refused).StatusCode);

        // What is left is one dead row holding the refused call only, with its own error.
        var row = Assert.Single(OutboxRows.Read(host.Database));
        Assert.NotNull(row.DeadAt);
        Assert.Equal(1, row.CallCount);
        Assert.Contains(Uri.EscapeDataString(refused), Assert.Single(row.Lines), StringComparison.Ordinal);
        Assert.Contains("400", row.LastError, StringComparison.Ordinal);
        var outbox = host.Services.GetService(typeof(IKissOutbox)) as IKissOutbox;
        Assert.Equal(new KissOutboxState(0, 0, 1, 1, null), (await outbox!.GetStateAsync()) with { Contexts = null });
        var log = Assert.Single(host.Logs.WithEventId(Dead));
        Assert.Contains("1 call(s)", log.Message, StringComparison.Ordinal);

        // An operator who fixed the cause revives it; it goes out.
        host.Server.Recover();
        Assert.Equal(1, await outbox.RetryDeadAsync());
        await host.Server.WaitForCallsAsync(4, Deadline);
        await host.FlushAsync();
        Assert.Empty(OutboxRows.Read(host.Database));
    }

    private static ShopCustomer Customer(string name) => new() { Email = $"{name}@example.com" };
}
