using Microsoft.Extensions.Options;

namespace KissEf.Protocol;

/// <summary>
/// Adds <c>_k</c> as the last step before the wire, so loggers and handlers outside it never see the key.
/// </summary>
internal sealed class KissApiKeyHandler(IOptions<KissTrackingOptions> options) : DelegatingHandler
{
    private readonly string _key = "_k=" + Uri.EscapeDataString(options.Value.ApiKey ?? string.Empty);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { IsAbsoluteUri: true } uri)
        {
            var text = uri.OriginalString;
            var query = text.IndexOf('?', StringComparison.Ordinal);

            // A retry sends the same request again: add the key once.
            if (query < 0)
            {
                request.RequestUri = new Uri(text + "?" + _key, in KissHttpSender.Verbatim);
            }
            else if (string.CompareOrdinal(text, query + 1, _key, 0, 3) != 0)
            {
                request.RequestUri = new Uri(string.Concat(text.AsSpan(0, query + 1), _key, "&", text.AsSpan(query + 1)), in KissHttpSender.Verbatim);
            }
        }

        return base.SendAsync(request, cancellationToken);
    }
}
