namespace KissEf.Tests.Infrastructure;

/// <summary>One HTTP request as the <see cref="FakeTrackingServer"/> saw it, with the status it answered.</summary>
public sealed record ReceivedCall
{
    /// <summary>HTTP method, e.g. "GET".</summary>
    public required string Method { get; init; }

    /// <summary>Request path, e.g. "/e".</summary>
    public required string Path { get; init; }

    /// <summary>
    /// The call's parameters exactly as sent, still percent-encoded, without the leading '?': the query of a
    /// GET, the form body of a POST (after the URL's query, if it had one).
    /// </summary>
    public required string RawQuery { get; init; }

    /// <summary>The query of the request line only (empty for a POST of a long call).</summary>
    public string UrlQuery { get; init; } = string.Empty;

    /// <summary>The form body of a POST, as sent; null for a GET.</summary>
    public string? Body { get; init; }

    /// <summary>The request's <c>traceparent</c> header, or null.</summary>
    public string? TraceParent { get; init; }

    /// <summary>The request's Content-Type, or null.</summary>
    public string? ContentType { get; init; }

    /// <summary>The length of the request line as the server read it (<c>GET /e?… HTTP/1.1</c>).</summary>
    public int RequestLineLength { get; init; }

    /// <summary>The query's name=value pairs in order, still percent-encoded (so tests can assert "%20").</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> RawPairs { get; init; }

    /// <summary>
    /// The query decoded with <see cref="Uri.UnescapeDataString(string)"/>: RFC 3986 only, so a literal '+'
    /// stays '+' (a form decoder would turn it into a space and hide a client that forgot to encode it).
    /// If a name repeats, the last value wins; <see cref="RawPairs"/> keeps them all.
    /// </summary>
    public required IReadOnlyDictionary<string, string> Query { get; init; }

    /// <summary>When the request arrived (wall clock).</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>1 for the first request for this URL (path + raw query), 2 for the first retry, and so on.</summary>
    public required int Attempt { get; init; }

    /// <summary>The status the server answered; 0 while a responder is still deciding, or if the connection was aborted.</summary>
    public int StatusCode { get; init; }

    /// <summary>Path and raw query, the key by which attempts are counted.</summary>
    public string Url => RawQuery.Length == 0 ? Path : Path + "?" + RawQuery;

    /// <summary>The decoded value of <paramref name="name"/>, or null if the query lacks it.</summary>
    public string? Get(string name) => Query.TryGetValue(name, out var value) ? value : null;

    /// <summary>The still-encoded value of the first pair whose decoded name is <paramref name="name"/>, or null.</summary>
    public string? RawValueOf(string name)
    {
        foreach (var pair in RawPairs)
        {
            if (string.Equals(Uri.UnescapeDataString(pair.Key), name, StringComparison.Ordinal))
            {
                return pair.Value;
            }
        }

        return null;
    }

    /// <summary>Builds a call from the raw request parts; <see cref="StatusCode"/> is left 0.</summary>
    public static ReceivedCall Parse(string method, string path, string rawQuery, DateTimeOffset receivedAt, int attempt)
    {
        ArgumentNullException.ThrowIfNull(rawQuery);
        var query = rawQuery.StartsWith('?') ? rawQuery[1..] : rawQuery;
        var rawPairs = new List<KeyValuePair<string, string>>();
        var decoded = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var segment in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = segment.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? segment : segment[..eq];
            var value = eq < 0 ? string.Empty : segment[(eq + 1)..];
            rawPairs.Add(new KeyValuePair<string, string>(name, value));
            decoded[Uri.UnescapeDataString(name)] = Uri.UnescapeDataString(value);
        }

        return new ReceivedCall
        {
            Method = method,
            Path = path,
            RawQuery = query,
            RawPairs = rawPairs,
            Query = decoded,
            ReceivedAt = receivedAt,
            Attempt = attempt,
        };
    }

    /// <inheritdoc/>
    public override string ToString() => $"[{StatusCode}] {Method} {Url} (attempt {Attempt})";
}
