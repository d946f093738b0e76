using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KissEf.Benchmarks.Infrastructure;

/// <summary>
/// A minimal stand-in for the tracking host on 127.0.0.1 (Kestrel): every request gets 200 and the 1×1 GIF the
/// vendor returns. It counts requests, so a benchmark can check that everything it drained arrived.
/// </summary>
public sealed class TrackingEndpoint : IAsyncDisposable
{
    private static readonly byte[] Gif = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

    private readonly WebApplication _app;
    private long _requests;

    private TrackingEndpoint(WebApplication app) => _app = app;

    public Uri Uri { get; private set; } = null!;

    /// <summary>Requests answered so far.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    public static async Task<TrackingEndpoint> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var endpoint = new TrackingEndpoint(app);
        app.Run(context =>
        {
            Interlocked.Increment(ref endpoint._requests);
            context.Response.StatusCode = 200;
            context.Response.ContentType = "image/gif";
            context.Response.ContentLength = Gif.Length;
            return context.Response.Body.WriteAsync(Gif, 0, Gif.Length);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        endpoint.Uri = new Uri(address.EndsWith('/') ? address : address + "/");
        return endpoint;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
