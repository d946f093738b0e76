using System.Text.Json;

namespace KissEf.Commands;

/// <summary>
/// The documented shape of <c>kissef status --json</c> (docs/operations.md): flat numbers a script can compare, the
/// oldest pending age in whole seconds (null when nothing is pending), and each tenant's figures with <c>UseTenants</c>
/// (null without). Its own type, not <see cref="KissOutboxState"/>, so that the JSON stays stable when the state grows.
/// </summary>
internal sealed record KissStatusJson(
    int PendingRows,
    int PendingCalls,
    int DeadRows,
    int DeadCalls,
    long? OldestPendingAgeSeconds,
    IReadOnlyDictionary<string, KissStatusJson>? Tenants)
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    /// <summary>The text <c>kissef status --json</c> prints for <paramref name="state"/>.</summary>
    public static string Serialize(KissOutboxState state) => JsonSerializer.Serialize(From(state), Options);

    private static KissStatusJson From(KissOutboxState state) => new(
        state.PendingRows,
        state.PendingCalls,
        state.DeadRows,
        state.DeadCalls,
        state.OldestPendingAge is { } age ? (long)age.TotalSeconds : null,
        state.Tenants?.OrderBy(t => t.Key, StringComparer.Ordinal).ToDictionary(t => t.Key, t => From(t.Value), StringComparer.Ordinal));
}
