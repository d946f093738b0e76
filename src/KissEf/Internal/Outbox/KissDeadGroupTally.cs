using KissEf.Internal.Calls;

namespace KissEf.Internal.Outbox;

/// <summary>
/// The dead-letter groups being counted, a page of rows at a time: one entry per group, so memory grows with the ways
/// rows failed, never with the rows.
/// </summary>
internal sealed class KissDeadGroupTally
{
    private readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);

    /// <summary>Counts one dead row: its error, calls, time of death and its call lines' kinds.</summary>
    public void Add(string? error, int calls, long deadAt, string rowText)
    {
        var text = KissDeadFingerprint.Text(error);
        var key = KissDeadFingerprint.Key(text);
        if (!_groups.TryGetValue(key, out var group))
        {
            _groups[key] = group = new Group(text);
        }

        group.Rows++;
        group.Calls += calls;
        group.First = Math.Min(group.First, deadAt);
        group.Last = Math.Max(group.Last, deadAt);
        foreach (var line in new KissOutboxRowReader(rowText))
        {
            var reader = new KissCallReader(line);
            var kind = reader.Kind switch
            {
                KissCallKind.Event => "/e " + reader.Name,
                { } other => "/" + KissCallLine.Letter(other),
                null => "?",
            };
            group.Kinds[kind] = group.Kinds.GetValueOrDefault(kind) + 1;
        }
    }

    /// <summary>The groups, largest (by calls) first, then by key.</summary>
    public IReadOnlyList<KissDeadGroup> Groups()
        => [.. _groups
            .Select(g => new KissDeadGroup(
                g.Key,
                g.Value.Text,
                g.Value.Rows,
                g.Value.Calls,
                DateTimeOffset.FromUnixTimeMilliseconds(g.Value.First),
                DateTimeOffset.FromUnixTimeMilliseconds(g.Value.Last),
                new Dictionary<string, int>(g.Value.Kinds, StringComparer.Ordinal)))
            .OrderByDescending(g => g.Calls)
            .ThenBy(g => g.Key, StringComparer.Ordinal)];

    private sealed class Group(string text)
    {
        public string Text { get; } = text;

        public int Rows { get; set; }

        public int Calls { get; set; }

        public long First { get; set; } = long.MaxValue;

        public long Last { get; set; } = long.MinValue;

        public Dictionary<string, int> Kinds { get; } = new(StringComparer.Ordinal);
    }
}
