using KissEf.Internal.Calls;
using KissEf.Internal.Logging;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace KissEf.Internal.Protocol;

/// <summary>
/// Sends one call with a client from <see cref="IHttpClientFactory"/> (one per send, as the factory intends).
/// The API key is added by <see cref="KissApiKeyHandler"/>, the innermost handler, so nothing outside it
/// sees a URL with the key. A call whose request line would be longer than <see cref="MaxRequestLine"/> is
/// sent as a POST with the same parameters as a form body, so no proxy or server truncates it.
/// </summary>
internal sealed class KissHttpSender(IHttpClientFactory clients, IOptions<KissTrackingOptions> options, KissApiKeys keys)
{
    /// <summary>The longest request line sent as a GET: <c>GET</c>, the absolute URL with the key, <c>HTTP/1.1</c>.</summary>
    public const int MaxRequestLine = 2000;

    // "GET " + URL + " HTTP/1.1".
    private const int RequestLineFrame = 4 + 9;

    // The line is appended to the endpoint as text: one URI parse per call, not a relative URI combined later.
    private readonly string _endpoint = WithTrailingSlash(options.Value.Endpoint).AbsoluteUri;


    /// <summary>The name of KissEf's client in <see cref="IHttpClientFactory"/>.</summary>
    public const string ClientName = "KissEf";

    /// <summary>A client from the factory for one batch of sends: short-lived, so the factory's handler rotation holds.</summary>
    public HttpClient CreateClient() => clients.CreateClient(ClientName);

    /// <summary>Sends the call whose encoded line is <paramref name="line"/> with a client of <see cref="CreateClient"/>.</summary>
    public Task<KissSendResult> SendAsync(HttpClient client, ReadOnlyMemory<char> line, CancellationToken cancellationToken)
        => SendAsync(client, line, null, cancellationToken);

    /// <summary>
    /// Sends the call whose encoded line is <paramref name="line"/>, a call of <paramref name="tenantId"/> (null: of no
    /// tenant), with a client of <see cref="CreateClient"/>: the request carries the tenant to the key handler.
    /// </summary>
    public async Task<KissSendResult> SendAsync(HttpClient client, ReadOnlyMemory<char> line, string? tenantId, CancellationToken cancellationToken)
    {
        int keyLength;
        try
        {
            // What the key handler adds to a GET's URL, "_k=…&": the tenant's key may be longer than the application's.
            keyLength = keys.For(tenantId).Length + 1;
        }
#pragma warning disable CA1031 // The application's code failed: the call waits for its next attempt, like a network error. Its message may hold anything: only its type is kept.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return new KissSendResult(false, true, $"IKissTenants.GetApiKey failed for tenant '{tenantId}' ({exception.GetType().Name})", null);
        }

        using var request = CreateRequest(line.Span, keyLength);
        if (tenantId is not null)
        {
            request.Options.Set(KissApiKeyHandler.Tenant, tenantId);
        }

        try
        {
            using var response = await client
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
                .ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return KissSendResult.Success;
            }

            var status = (int)response.StatusCode;
            var retryable = status is 408 or 429 or >= 500;
            var retryAfter = response.Headers.RetryAfter switch
            {
                { Delta: { } delta } => delta,
                { Date: { } date } => date - DateTimeOffset.UtcNow,
                _ => (TimeSpan?)null,
            };
            return new KissSendResult(false, retryable, $"HTTP {status} ({response.StatusCode})", retryAfter);
        }
        catch (HttpRequestException exception)
        {
            return new KissSendResult(false, true, $"network error ({exception.HttpRequestError}): {KissText.Clause(exception.Message)}", null);
        }
        catch (Exception exception) when (exception is TimeoutRejectedException or TaskCanceledException
                                          && !cancellationToken.IsCancellationRequested)
        {
            return new KissSendResult(false, true, "timeout", null);
        }
    }

    /// <summary>
    /// A GET of the call's URL, or for a long call a POST of its path with the parameters as the body;
    /// <paramref name="keyLength"/> is what the key handler will add to a GET's URL.
    /// </summary>
    internal HttpRequestMessage CreateRequest(ReadOnlySpan<char> line, int keyLength)
    {
        if (RequestLineFrame + _endpoint.Length + line.Length + keyLength <= MaxRequestLine)
        {
            return new HttpRequestMessage(HttpMethod.Get, new Uri(string.Concat(_endpoint, line), in Verbatim));
        }

        var call = new KissCallReader(line);
        return new HttpRequestMessage(HttpMethod.Post, new Uri(string.Concat(_endpoint, call.Path), in Verbatim))
        {
            Content = KissFormContent.Create(call.Query),
        };
    }

    /// <summary>
    /// A call's line is percent-encoded already (RFC 3986): the URI is taken as it is, which also spares the
    /// parser its canonicalization work on every call.
    /// </summary>
    internal static readonly UriCreationOptions Verbatim = new() { DangerousDisablePathAndQueryCanonicalization = true };

    /// <summary>The endpoint as a base address: a trailing slash keeps its path when a call's path is appended.</summary>
    public static Uri WithTrailingSlash(Uri endpoint)
        => endpoint.AbsoluteUri.EndsWith('/') ? endpoint : new Uri(endpoint.AbsoluteUri + "/");
}
