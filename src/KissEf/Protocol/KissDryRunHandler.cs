using System.Net;
using System.Net.Http.Headers;
using KissEf.Logging;
using Microsoft.Extensions.Logging;

namespace KissEf.Protocol;

/// <summary>
/// The transport of <c>UseDryRun()</c>: logs the URL it would send, with <c>_k</c> redacted, and answers as
/// the vendor does (200 with a 1×1 GIF).
/// </summary>
internal sealed class KissDryRunHandler(ILogger<KissDryRunHandler> logger) : HttpMessageHandler
{
    private static readonly byte[] Gif = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        KissLog.DryRun(logger, Redact(request.RequestUri));
        var content = new ByteArrayContent(Gif);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/gif");
        return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request });
    }

    /// <summary>The URL with the value of <c>_k</c> replaced by <c>***</c>.</summary>
    public static string Redact(Uri? uri)
    {
        if (uri is null)
        {
            return string.Empty;
        }

        var text = uri.AbsoluteUri;
        var start = text.IndexOf("_k=", StringComparison.Ordinal);
        if (start < 0)
        {
            return text;
        }

        start += 3;
        var end = text.IndexOf('&', start);
        return string.Concat(text.AsSpan(0, start), "***", end < 0 ? string.Empty : text.AsSpan(end));
    }
}
