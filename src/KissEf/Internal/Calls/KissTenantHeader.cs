namespace KissEf.Internal.Calls;

/// <summary>
/// THE format of the tenant in an outbox row's header line: with <c>UseTenants</c>, the tenant of the save that wrote
/// the row, as <c>_tenant=…</c> (the id percent-encoded), after the trace's parameters when the save had a trace
/// (<c>_traceparent=…&amp;_tenant=…</c>), else alone. The row keeps the tenant's id, never its key: the dispatcher
/// reads the id back (<see cref="KissOutboxRowReader.Tenant"/>) and the key handler asks the application for that
/// tenant's key (<see cref="IKissTenants.GetApiKey"/>) when the call is sent. One line, so that a reader that knows
/// only the trace header (an earlier version) still skips it whole, and never sends it.
/// </summary>
internal static class KissTenantHeader
{
    private const string Name = "_tenant=";

    /// <summary><paramref name="header"/> (a trace header, or null) with <paramref name="tenantId"/> added; unchanged for no tenant.</summary>
    public static string? Append(string? header, string? tenantId)
    {
        if (tenantId is null)
        {
            return header;
        }

        var value = Uri.EscapeDataString(tenantId);
        return header is null ? string.Concat(Name, value) : string.Concat(header, "&", Name, value);
    }

    /// <summary>The tenant of a header line (without its '\n'); null when it names none.</summary>
    public static string? Parse(ReadOnlySpan<char> header)
    {
        // The parameter, at the start of the line or after an '&' (never a name that ends in "_tenant").
        int start;
        if (header.StartsWith(Name, StringComparison.Ordinal))
        {
            start = Name.Length;
        }
        else
        {
            var at = header.IndexOf("&" + Name, StringComparison.Ordinal);
            if (at < 0)
            {
                return null;
            }

            start = at + 1 + Name.Length;
        }

        var value = header[start..];
        var end = value.IndexOf('&');
        return Uri.UnescapeDataString(end < 0 ? value : value[..end]);
    }
}
