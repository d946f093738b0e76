using System.Net;
using System.Net.Sockets;

namespace KissEf.Tests.Infrastructure;

public class FakeTrackingServerTests
{
    // Generous: these are deadlines for failure, never waits on the happy path.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Records_a_call_decoded_per_RFC3986_and_answers_a_gif()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Endpoint };

        using var response = await http.GetAsync("e?_k=key&_p=a%40b.com&_n=Signed%20Up&plan=a%2Bb&raw=a+b&_d=1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/gif", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("GIF89a"u8.ToArray(), body[..6]);

        var call = Assert.Single(server.Calls);
        Assert.Equal("GET", call.Method);
        Assert.Equal("/e", call.Path);
        Assert.Equal("_k=key&_p=a%40b.com&_n=Signed%20Up&plan=a%2Bb&raw=a+b&_d=1", call.RawQuery);
        Assert.Equal("a@b.com", call.Query["_p"]);
        Assert.Equal("Signed Up", call.Query["_n"]);
        Assert.Equal("a+b", call.Query["plan"]);
        Assert.Equal("a+b", call.Query["raw"]); // '+' is not a space in RFC 3986
        Assert.Equal("Signed%20Up", call.RawValueOf("_n"));
        Assert.Equal(
            ["_k", "_p", "_n", "plan", "raw", "_d"],
            call.RawPairs.Select(p => p.Key).ToArray());
        Assert.Equal(200, call.StatusCode);
        Assert.Equal(1, call.Attempt);
        Assert.InRange(call.ReceivedAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow);
        Assert.Equal("127.0.0.1", server.Endpoint.Host);
        Assert.NotEqual(0, server.Endpoint.Port);
    }

    [Fact]
    public async Task FailNext_fails_the_first_attempts_then_answers_200()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Endpoint };
        server.FailNext(2, 500);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await http.GetAsync("e?_p=x&_n=y");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(
            [HttpStatusCode.InternalServerError, HttpStatusCode.InternalServerError, HttpStatusCode.OK],
            statuses);
        Assert.Equal([500, 500, 200], server.AllRequests.Select(c => c.StatusCode).ToArray());
        Assert.Equal([1, 2, 3], server.AllRequests.Select(c => c.Attempt).ToArray());
        var ok = Assert.Single(server.Calls);
        Assert.Equal(3, ok.Attempt);
        Assert.Equal(3, server.AttemptsFor(ok));
        Assert.Equal(3, server.AttemptsFor("/e", "_p=x&_n=y"));
        Assert.Equal(0, server.AttemptsFor("/s", "_p=x&_n=y"));
    }

    [Fact]
    public async Task RespondWith429_sends_Retry_After_in_seconds()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Endpoint };
        server.RespondWith429(1, TimeSpan.FromSeconds(30));

        using (var limited = await http.GetAsync("s?_p=x&plan=pro"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(30), limited.Headers.RetryAfter?.Delta);
        }

        using (var next = await http.GetAsync("s?_p=x&plan=pro"))
        {
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
            Assert.Null(next.Headers.RetryAfter);
        }

        Assert.Equal([429, 200], server.AllRequests.Select(c => c.StatusCode).ToArray());
    }

    [Fact]
    public async Task AlwaysFail_lasts_until_Recover()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Endpoint };
        server.AlwaysFail(503);

        for (var i = 0; i < 3; i++)
        {
            using var failed = await http.GetAsync("a?_p=old&_n=new");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        }

        server.Recover();
        using var ok = await http.GetAsync("a?_p=old&_n=new");

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(4, server.AllRequests.Count);
        Assert.Equal(4, Assert.Single(server.Calls).Attempt);
    }

    [Fact]
    public async Task SetResponder_sees_the_attempt_number_per_url()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Endpoint };
        server.SetResponder((call, attempt) =>
            call.Get("_n") == "flaky" && attempt == 1 ? FakeResponse.Status(502) : null);

        using var first = await http.GetAsync("e?_n=flaky");
        using var other = await http.GetAsync("e?_n=steady");
        using var retry = await http.GetAsync("e?_n=flaky");

        Assert.Equal(HttpStatusCode.BadGateway, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(["steady", "flaky"], server.Calls.Select(c => c.Query["_n"]).ToArray());
    }

    [Fact]
    public async Task WaitForCallsAsync_completes_when_calls_arrive_later()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Endpoint };

        var waiting = server.WaitForCallsAsync(2, Deadline);
        Assert.False(waiting.IsCompleted);

        using (await http.GetAsync("e?n=1"))
        {
        }

        Assert.False(waiting.IsCompleted);
        using (await http.GetAsync("e?n=2"))
        {
        }

        await waiting;
        Assert.Equal(2, server.Calls.Count);

        // Already satisfied: returns at once.
        await server.WaitForCallsAsync(1, TimeSpan.Zero);
    }

    [Fact]
    public async Task WaitForCallsAsync_times_out_with_a_message_listing_what_arrived()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Endpoint };
        using (await http.GetAsync("e?_p=x&_n=ok"))
        {
        }

        server.AlwaysFail(503);
        using (await http.GetAsync("e?_p=x&_n=failed"))
        {
        }

        var error = await Assert.ThrowsAsync<TimeoutException>(
            () => server.WaitForCallsAsync(2, TimeSpan.FromMilliseconds(200)));

        Assert.Contains("waiting for 2 call(s) answered 200", error.Message, StringComparison.Ordinal);
        Assert.Contains("1 answered 200, 2 request(s) in all", error.Message, StringComparison.Ordinal);
        Assert.Contains("[200] GET /e?_p=x&_n=ok", error.Message, StringComparison.Ordinal);
        Assert.Contains("[503] GET /e?_p=x&_n=failed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitForCallsAsync_says_so_when_nothing_arrived()
    {
        await using var server = await FakeTrackingServer.StartAsync();

        var error = await Assert.ThrowsAsync<TimeoutException>(
            () => server.WaitForCallsAsync(1, TimeSpan.FromMilliseconds(100)));

        Assert.Contains("No request arrived at all.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stopped_server_refuses_connections_until_restarted_on_the_same_port()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Endpoint };
        using (var before = await http.GetAsync("e?n=1"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var port = server.Port;
        await server.StopAsync();
        Assert.False(server.IsRunning);

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("e?n=2"));
        Assert.Equal(HttpRequestError.ConnectionError, refused.HttpRequestError);
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(refused.InnerException).SocketErrorCode);

        await server.RestartAsync();
        using var after = await http.GetAsync("e?n=3");

        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(port, server.Port);
        Assert.Equal(["n=1", "n=3"], server.Calls.Select(c => c.RawQuery).ToArray());
    }

    [Fact]
    public async Task A_new_server_can_take_over_a_stopped_servers_port()
    {
        int port;
        await using (var first = await FakeTrackingServer.StartAsync())
        {
            port = first.Port;
        }

        await using var second = await FakeTrackingServer.StartAsync(port);
        using var http = new HttpClient { BaseAddress = second.Endpoint };
        using var response = await http.GetAsync("e?n=1");

        Assert.Equal(port, second.Port);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Abort_drops_the_connection_and_is_recorded_with_status_0()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Endpoint };
        server.RespondNext(FakeResponse.Abort);

        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("e?n=1"));
        using var retry = await http.GetAsync("e?n=1");

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal([0, 200], server.AllRequests.Select(c => c.StatusCode).ToArray());
    }

    [Fact]
    public async Task Delayed_answer_lets_a_client_time_out_and_stop_does_not_wait_for_it()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Endpoint, Timeout = TimeSpan.FromMilliseconds(200) };
        server.RespondNext(new FakeResponse(200, Delay: TimeSpan.FromMinutes(5)));

        await Assert.ThrowsAsync<TaskCanceledException>(() => http.GetAsync("e?n=1"));
        await server.WaitForRequestsAsync(1, Deadline);

        Assert.Equal(0, Assert.Single(server.AllRequests).StatusCode);
        Assert.Empty(server.Calls);
        await server.StopAsync().WaitAsync(Deadline);
    }

    [Fact]
    public async Task Reset_forgets_recordings_and_attempts()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Endpoint };
        using (await http.GetAsync("e?n=1"))
        {
        }

        server.Reset();
        using (await http.GetAsync("e?n=1"))
        {
        }

        Assert.Equal(1, Assert.Single(server.AllRequests).Attempt);
        Assert.Single(server.Calls);
    }
}
