using Microsoft.Extensions.Options;

namespace KissEf.Protocol;

/// <summary>
/// Adds <c>_k</c> as the last step before the wire, so loggers and handlers outside it never see the key.
/// </summary>
internal sealed class KissApiKeyHandler(IOptions<KissTrackingOptions> options) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // A retry sends the same request again: add the key once.
        if (request.RequestUri is { IsAbsoluteUri: true } uri && !uri.Query.StartsWith("?_k=", StringComparison.Ordinal))
        {
            var key = Uri.EscapeDataString(options.Value.ApiKey ?? string.Empty);
            var query = uri.Query.Length > 1 ? "&" + uri.Query[1..] : string.Empty;
            request.RequestUri = new UriBuilder(uri) { Query = "_k=" + key + query }.Uri;
        }

        return base.SendAsync(request, cancellationToken);
    }
}
