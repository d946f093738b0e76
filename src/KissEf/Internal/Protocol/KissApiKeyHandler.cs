namespace KissEf.Internal.Protocol;

/// <summary>
/// Adds <c>_k</c> as the last step before the wire, so loggers and handlers outside it never see the key:
/// first in the query of a GET, first in the form body of a long call's POST (never in its URL). With tenants the
/// request carries its call's tenant id (<see cref="Tenant"/>, set by <see cref="KissHttpSender"/>), and the key is that
/// tenant's (<see cref="KissApiKeys"/>): the id travels with the request, the key is looked up only here.
/// </summary>
internal sealed class KissApiKeyHandler(KissApiKeys keys) : DelegatingHandler
{
    /// <summary>The tenant of the call a request sends (absent: a call of no tenant).</summary>
    public static readonly HttpRequestOptionsKey<string> Tenant = new("KissEf.Tenant");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // A retry sends the same request again: add the key once.
        if (request.Content is KissFormContent form)
        {
            if (!form.Keyed)
            {
                request.Content = form.WithKey(KeyOf(request));
                form.Dispose();
            }
        }
        else if (request.RequestUri is { IsAbsoluteUri: true } uri)
        {
            var text = uri.OriginalString;
            var query = text.IndexOf('?', StringComparison.Ordinal);
            if (query < 0)
            {
                request.RequestUri = new Uri(text + "?" + KeyOf(request), in KissHttpSender.Verbatim);
            }
            else if (string.CompareOrdinal(text, query + 1, "_k=", 0, 3) != 0)
            {
                request.RequestUri = new Uri(string.Concat(text.AsSpan(0, query + 1), KeyOf(request), "&", text.AsSpan(query + 1)), in KissHttpSender.Verbatim);
            }
        }

        return base.SendAsync(request, cancellationToken);
    }

    private string KeyOf(HttpRequestMessage request)
        => keys.For(request.Options.TryGetValue(Tenant, out var tenant) ? tenant : null);
}
