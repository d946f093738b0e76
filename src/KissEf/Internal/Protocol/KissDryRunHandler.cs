using System.Net;
using System.Net.Http.Headers;
using KissEf.Internal.Logging;
using Microsoft.Extensions.Logging;

namespace KissEf.Internal.Protocol;

/// <summary>
/// The transport of <c>UseDryRun()</c>: logs the URL it would send (a long call: <c>POST</c>, the URL and the
/// form body), with <c>_k</c> redacted, and answers as the vendor does (200 with a 1×1 GIF).
/// </summary>
internal sealed class KissDryRunHandler(ILoggerFactory loggers) : HttpMessageHandler
{
    private readonly ILogger _logger = loggers.CreateLogger(KissLogCategories.DryRun);

    private static readonly byte[] Gif = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        KissLog.DryRun(_logger, request.Content is KissFormContent form
            ? $"POST {Redact(request.RequestUri)} {RedactKey(form.Text)}"
            : Redact(request.RequestUri));
        var content = new ByteArrayContent(Gif);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/gif");
        return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request });
    }

    /// <summary>The URL with the value of <c>_k</c> replaced by <c>***</c>.</summary>
    public static string Redact(Uri? uri) => uri is null ? string.Empty : RedactKey(uri.AbsoluteUri);

    /// <summary><paramref name="text"/> (a URL or a form body) with the value of its <c>_k</c> parameter replaced by <c>***</c>.</summary>
    public static string RedactKey(string text)
    {
        // The parameter, not a name that ends in "_k": at the start, or after '?' or '&'.
        int start;
        if (text.StartsWith("_k=", StringComparison.Ordinal))
        {
            start = 0;
        }
        else
        {
            var at = text.IndexOf("?_k=", StringComparison.Ordinal);
            at = at < 0 ? text.IndexOf("&_k=", StringComparison.Ordinal) : at;
            if (at < 0)
            {
                return text;
            }

            start = at + 1;
        }

        start += 3;
        var end = text.IndexOf('&', start);
        return string.Concat(text.AsSpan(0, start), "***", end < 0 ? string.Empty : text.AsSpan(end));
    }
}
