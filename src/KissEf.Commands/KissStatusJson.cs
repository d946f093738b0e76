using System.Text.Json;

namespace KissEf.Commands;

/// <summary>
/// The documented shape of <c>kissef status --json</c> (docs/operations.md): flat numbers a script can compare, the
/// oldest pending age in whole seconds (null when nothing is pending), each context type's figures (by its name, as
/// <see cref="KissOutboxState.Contexts"/>), and each tenant's figures with <c>UseTenants</c> (null without); the figures
/// inside have null <c>contexts</c> and <c>tenants</c>. Its own type, not <see cref="KissOutboxState"/>, so that the JSON stays stable when the state grows.
/// </summary>
internal sealed record KissStatusJson(
    int PendingRows,
    int PendingCalls,
    int DeadRows,
    int DeadCalls,
    long? OldestPendingAgeSeconds,
    IReadOnlyDictionary<string, KissStatusJson>? Contexts,
    IReadOnlyDictionary<string, KissStatusJson>? Tenants)
{
    /// <summary>The text <c>kissef status --json</c> prints for <paramref name="state"/>.</summary>
    public static string Serialize(KissOutboxState state) => JsonSerializer.Serialize(From(state), KissCommandJson.Options);

    private static KissStatusJson From(KissOutboxState state) => new(
        state.PendingRows,
        state.PendingCalls,
        state.DeadRows,
        state.DeadCalls,
        state.OldestPendingAge is { } age ? (long)age.TotalSeconds : null,
        InOrder(state.Contexts),
        InOrder(state.Tenants));

    private static Dictionary<string, KissStatusJson>? InOrder(IReadOnlyDictionary<string, KissOutboxState>? states)
        => states?.OrderBy(s => s.Key, StringComparer.Ordinal).ToDictionary(s => s.Key, s => From(s.Value), StringComparer.Ordinal);
}
