using Microsoft.Extensions.Options;

namespace KissEf.Internal.Protocol;

/// <summary>
/// Adds <c>_k</c> as the last step before the wire, so loggers and handlers outside it never see the key:
/// first in the query of a GET, first in the form body of a long call's POST (never in its URL).
/// </summary>
internal sealed class KissApiKeyHandler(IOptions<KissTrackingOptions> options) : DelegatingHandler
{
    private readonly string _key = KeyParameter(options.Value);

    /// <summary>The <c>_k=…</c> parameter of <paramref name="options"/>' key, encoded.</summary>
    public static string KeyParameter(KissTrackingOptions options) => "_k=" + Uri.EscapeDataString(options.ApiKey ?? string.Empty);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // A retry sends the same request again: add the key once.
        if (request.Content is KissFormContent form)
        {
            if (!form.Keyed)
            {
                request.Content = form.WithKey(_key);
                form.Dispose();
            }
        }
        else if (request.RequestUri is { IsAbsoluteUri: true } uri)
        {
            var text = uri.OriginalString;
            var query = text.IndexOf('?', StringComparison.Ordinal);
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
