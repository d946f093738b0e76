using System.Text;
using KissEf.Tests.Infrastructure;

namespace KissEf.Tests.Protocol;

/// <summary>The loopback server records a POST's form body as the call's parameters, exactly as sent.</summary>
public sealed class FakeServerPostTests
{
    [Fact]
    public async Task A_form_body_is_recorded_like_a_query_without_form_decoding()
    {
        await using var server = await FakeTrackingServer.StartAsync();
        using var client = new HttpClient { BaseAddress = server.Endpoint };
        using var body = new StringContent("_k=key&_p=a%20b&plus=a+b&v=%F0%9F%8E%89", Encoding.ASCII, "application/x-www-form-urlencoded");

        using var response = await client.PostAsync(new Uri("e", UriKind.Relative), body);

        Assert.True(response.IsSuccessStatusCode);
        var call = Assert.Single(server.Calls);
        Assert.Equal("POST", call.Method);
        Assert.Equal("/e", call.Path);
        Assert.Equal(string.Empty, call.UrlQuery);
        Assert.Equal("_k=key&_p=a%20b&plus=a+b&v=%F0%9F%8E%89", call.Body);
        Assert.Equal(call.Body, call.RawQuery);
        Assert.Equal("a b", call.Get("_p"));
        Assert.Equal("a+b", call.Get("plus"));
        Assert.Equal("🎉", call.Get("v"));
        Assert.Equal(1, server.AttemptsFor(call));
    }
}
