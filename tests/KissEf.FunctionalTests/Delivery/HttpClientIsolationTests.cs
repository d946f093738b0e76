using KissEf.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

// Not KissEf.Tests.Delivery: that name would hide the Support.Delivery enum the other tests use.
namespace KissEf.Tests.DeliveryTests;

/// <summary>
/// Issue 8, item 2: what an application gives every HttpClient with <c>ConfigureHttpClientDefaults</c> (as .NET Aspire's
/// ServiceDefaults add a standard resilience handler) does not reach KissEf's client. An outbox attempt stays one
/// request, direct delivery keeps its own retries only, and a handler added with <c>kiss.ConfigureHttpClient</c> applies.
/// </summary>
public sealed class HttpClientIsolationTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_outbox_attempt_is_one_request_when_the_app_adds_a_standard_resilience_handler_to_every_client(bool defaultsFirst)
    {
        var counter = new CountingHandler();
        var everyClient = new CountingHandler();
        void AddToEveryClient(IServiceCollection services) => services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();

            // Stands in for what else defaults add to every client (service discovery's handler, say).
            http.AddHttpMessageHandler(() => everyClient.Fresh());
        });

        await using var host = await TestHost.StartAsync(
            Delivery.Outbox,
            kiss =>
            {
                MapCustomers(kiss);
                kiss.ConfigureHttpClient(http => http.AddHttpMessageHandler(() => counter.Fresh()));
            },
            o =>
            {
                // Driven by FlushAsync alone: no background attempt runs between the counts.
                o.Start = false;
                if (defaultsFirst)
                {
                    o.Services = AddToEveryClient;
                }
                else
                {
                    o.ServicesAfter = AddToEveryClient;
                }
            });
        host.Server.AlwaysFail(500);

        // One call in the row, so every attempt of the row is one attempt of that call.
        host.Add(Customer("ann"));

        // Three attempts of the row (due 20 ms, then 40 ms after each failure with the test timings).
        await OutboxCalls.EventuallyAsync(
            async () =>
            {
                await host.FlushAsync();
                return Assert.Single(OutboxRows.Read(host.Database)).Attempts >= 3;
            },
            Deadline,
            () => Task.FromResult($"{string.Join("; ", OutboxRows.Read(host.Database))}; {host.Server.AllRequests.Count} request(s)"));

        var row = Assert.Single(OutboxRows.Read(host.Database));
        Assert.Null(row.DeadAt);
        var requests = host.Server.AllRequests;
        Assert.Single(requests.Select(r => r.Url).Distinct());
        Assert.Equal(row.Attempts, requests.Count);
        Assert.All(requests, r => Assert.Equal(500, r.StatusCode));

        // The application's own handler, added with kiss.ConfigureHttpClient, saw every request; nothing was logged
        // by a resilience pipeline.
        Assert.Equal(requests.Count, counter.Count);
        Assert.Equal(0, everyClient.Count);
        Assert.DoesNotContain(host.Logs.Entries, e => e.Category.StartsWith("Polly", StringComparison.Ordinal));
        Assert.NotEmpty(host.Logs.WithEventId(2002));

        // The defaults are live for the application's own clients.
        host.Server.Recover();
        using var app = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("app");
        using var response = await app.GetAsync(new Uri(host.Server.Endpoint, "ping"));
        Assert.Equal(1, everyClient.Count);
    }

    [Fact]
    public async Task Direct_delivery_keeps_its_own_retries_only_when_the_app_adds_a_standard_resilience_handler_to_every_client()
    {
        var counter = new CountingHandler();
        await using var host = await TestHost.StartAsync(
            Delivery.Direct,
            kiss =>
            {
                MapCustomers(kiss);
                kiss.ConfigureHttpClient(http => http.AddHttpMessageHandler(() => counter.Fresh()));
            },
            o =>
            {
                o.Services = AddResilienceToEveryClient;
                o.Kiss = k => k.MaxAttempts = 2;
            });
        host.Server.AlwaysFail(503);

        host.Add(Customer("ann"));
        await host.FlushAsync();

        // MaxAttempts = 2: two requests, not two per attempt of the standard handler (four each).
        Assert.Equal([503, 503], host.Server.AllRequests.Select(r => r.StatusCode));
        Assert.Equal(2, counter.Count);
        Assert.Single(host.Logs.WithEventId(2002));
    }

    private static void AddResilienceToEveryClient(IServiceCollection services)
        => services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());

    private static void MapCustomers(KissTrackingBuilder kiss) => kiss.Entity<ShopCustomer>(c =>
    {
        c.HasIdentity(x => x.Email);
        c.OnAdded().Record("Signed Up");
    });

    private static ShopCustomer Customer(string name) => new() { Email = $"{name}@example.com" };

    /// <summary>Counts the requests that pass through the handlers it hands out (the factory builds a new chain per handler lifetime).</summary>
    private sealed class CountingHandler
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public DelegatingHandler Fresh() => new Counting(this);

        private sealed class Counting(CountingHandler owner) : DelegatingHandler
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref owner._count);
                return base.SendAsync(request, cancellationToken);
            }
        }
    }
}
