using System.Text.Json;

namespace KissEf.Commands;

/// <summary>
/// The documented shape of <c>kissef dead --json</c> (docs/operations.md): an array of groups, largest first, times as
/// ISO 8601 in UTC. Its own type, not <see cref="KissDeadGroup"/>, so that the JSON stays stable when the record grows.
/// </summary>
internal sealed record KissDeadJson(
    string Key,
    string Error,
    int Rows,
    int Calls,
    DateTimeOffset FirstFailedAt,
    DateTimeOffset LastFailedAt,
    IReadOnlyDictionary<string, int> Kinds)
{
    /// <summary>The text <c>kissef dead --json</c> prints for <paramref name="groups"/>.</summary>
    public static string Serialize(IReadOnlyList<KissDeadGroup> groups)
        => JsonSerializer.Serialize(
            groups.Select(g => new KissDeadJson(
                g.Key,
                g.Error,
                g.Rows,
                g.Calls,
                g.FirstFailedAt.ToUniversalTime(),
                g.LastFailedAt.ToUniversalTime(),
                g.Kinds.OrderBy(k => k.Key, StringComparer.Ordinal).ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal))),
            KissCommandJson.Options);
}
