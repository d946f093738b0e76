using Microsoft.Extensions.Options;

namespace KissEf.Internal.Protocol;

/// <summary>
/// The <c>_k=…</c> parameter of a call: the application's key, or with <c>UseTenants</c> the key the application gives
/// the call's tenant (<see cref="IKissTenants.GetApiKey"/>; null there means the application's). Asked when a call is
/// sent, never kept: the sender asks it for the request line's length, the key handler to add the key, so a key the
/// application changes is used from its next call on, and none is written anywhere.
/// </summary>
internal sealed class KissApiKeys(IOptions<KissTrackingOptions> options, IKissTenants? tenants = null)
{
    private string? _application;

    /// <summary>The application's <c>_k=…</c>, encoded.</summary>
    public string Application => _application ??= KeyParameter(options.Value.ApiKey);

    /// <summary>The <c>_k=…</c> of a call of <paramref name="tenantId"/> (null: a call of no tenant), encoded.</summary>
    /// <exception cref="Exception">The application's <see cref="IKissTenants.GetApiKey"/> failed.</exception>
    public string For(string? tenantId)
        => tenantId is not null && tenants?.GetApiKey(tenantId) is { } key ? KeyParameter(key) : Application;

    /// <summary>The <c>_k=…</c> parameter of <paramref name="key"/>, encoded.</summary>
    private static string KeyParameter(string? key) => "_k=" + Uri.EscapeDataString(key ?? string.Empty);
}
