using KissEf.Internal.Calls;

namespace KissEf.Internal.Protocol;

/// <summary>
/// Keeps distinct calls distinct at the vendor. KISSmetrics counts two events with the same person, name and
/// <c>_t</c> once, and two sets of one property of a person with the same <c>_t</c> once. So a call whose key was
/// already used moves to the next free second: the n-th duplicate of <c>(_p, _n, _t)</c> is sent with
/// <c>_t + n</c> (a property set: the first second free for all its properties). Keys are compared within a
/// save and across the saves of the process in the same second and the one before (by the clock of the saves,
/// so a shifted call still pushes a later one of the next second). The shift is made once, when the call is
/// created, so every retry sends the same <c>_t</c>. Names and persons compare case-insensitively.
/// </summary>
/// <remarks>
/// The keys live in two fixed tables of fingerprints (this second's and the last one's), so remembering them
/// allocates nothing per call. A fingerprint shared by two different keys shifts a call by a second it did not
/// need; past about <see cref="Capacity"/> / 2 distinct keys in one second the table is full, and a key it cannot
/// hold is not remembered (a later duplicate of it would then count once at the vendor).
/// </remarks>
internal sealed class KissDistinctTimes
{
    /// <summary>Fingerprints per table (a power of two).</summary>
    public const int Capacity = 1 << 15;

    private const int MaxProbes = 8;
    private const int Mask = Capacity - 1;

    private readonly Lock _lock = new();
    private ulong[]? _current;
    private ulong[]? _previous;
    private long _second = long.MinValue;

    /// <summary>
    /// Moves each call of <paramref name="calls"/> (in order) whose key is taken to the next free second;
    /// <paramref name="saveTime"/> is the time of the save that built them.
    /// </summary>
    public void Assign(List<KissCall> calls, DateTimeOffset saveTime) => Assign(calls, saveTime, null);

    /// <summary>
    /// <see cref="Assign(List{KissCall}, DateTimeOffset)"/> for one of several lists of one operation (a tracked bulk
    /// operation's chunks): <paramref name="next"/> carries where each key stopped from one list to the next.
    /// </summary>
    public void Assign(List<KissCall> calls, DateTimeOffset saveTime, Dictionary<(ulong, IReadOnlyList<string>, long), long>? next)
    {
        // Where the last moved call of a key (person, names, time) went: seconds from its time up to there are taken
        // for that key, so the next one starts after it (a save of thousands of rows of one person stays linear).
        lock (_lock)
        {
            Rotate(saveTime.ToUnixTimeSeconds());
            for (var i = 0; i < calls.Count; i++)
            {
                var call = calls[i];
                if (call.Person is not { } person || call.KeyNames is not { } names)
                {
                    continue;
                }

                var personHash = (ulong)(uint)person.GetHashCode(StringComparison.OrdinalIgnoreCase) << 32 | KissCallReader.Letter(call.Line);
                var key = (personHash, names, call.Time);
                var free = calls.Count > 1 && next is not null && next.TryGetValue(key, out var after) ? after : call.Time;
                while (!IsFree(personHash, names, free))
                {
                    free++;
                }

                // Only a key that was moved is remembered: a key used once (one call of a person) costs no entry, so a
                // million rows of a million persons keep none.
                if (free != call.Time && calls.Count > 1)
                {
                    (next ??= [])[key] = free + 1;
                }

                // By index: foreach over the IReadOnlyList would box an enumerator of the names' array per call.
                for (var n = 0; n < names.Count; n++)
                {
                    Remember(Fingerprint(personHash, names[n], free));
                }

                if (free != call.Time)
                {
                    calls[i] = call with { Line = KissCallWriter.Retime(call.Line, call.Time, free), Time = free };
                }
            }
        }
    }

    private static ulong Fingerprint(ulong personHash, string name, long second)
    {
        // Person, kind, name and second mixed into 64 bits; 0 marks an empty place.
        var key = personHash ^ (uint)name.GetHashCode(StringComparison.OrdinalIgnoreCase) ^ ((ulong)second * 0x9E3779B97F4A7C15UL);
        key = (key ^ (key >> 31)) * 0xBF58476D1CE4E5B9UL;
        key ^= key >> 29;
        return key == 0 ? 1 : key;
    }

    private static bool Holds(ulong[] table, ulong fingerprint)
    {
        for (var probe = 0; probe < MaxProbes; probe++)
        {
            var found = table[(int)(fingerprint + (ulong)probe) & Mask];
            if (found == fingerprint)
            {
                return true;
            }

            if (found == 0)
            {
                return false;
            }
        }

        return false;
    }

    private bool IsFree(ulong personHash, IReadOnlyList<string> names, long second)
    {
        for (var n = 0; n < names.Count; n++)
        {
            var fingerprint = Fingerprint(personHash, names[n], second);
            if (Holds(_current!, fingerprint) || Holds(_previous!, fingerprint))
            {
                return false;
            }
        }

        return true;
    }

    private void Remember(ulong fingerprint)
    {
        for (var probe = 0; probe < MaxProbes; probe++)
        {
            ref var place = ref _current![(int)(fingerprint + (ulong)probe) & Mask];
            if (place == 0 || place == fingerprint)
            {
                place = fingerprint;
                return;
            }
        }
    }

    /// <summary>Keeps the keys of this second and the one before.</summary>
    private void Rotate(long second)
    {
        _current ??= new ulong[Capacity];
        _previous ??= new ulong[Capacity];
        if (second <= _second)
        {
            return;
        }

        (_previous, _current) = (_current, _previous);
        Array.Clear(_current);
        if (second != _second + 1)
        {
            Array.Clear(_previous);
        }

        _second = second;
    }

    /// <summary>
    /// The same rule within <paramref name="calls"/> alone (the calls of one row of a backfill): the result depends
    /// on nothing else, so building the same calls again gives the same seconds.
    /// </summary>
    public static void AssignWithin(List<KissCall> calls)
    {
        for (var i = 1; i < calls.Count; i++)
        {
            var call = calls[i];
            if (call.Person is null || call.KeyNames is null)
            {
                continue;
            }

            var free = call.Time;
            while (calls.Take(i).Any(earlier => Collides(earlier, call, free)))
            {
                free++;
            }

            if (free != call.Time)
            {
                calls[i] = call with { Line = KissCallWriter.Retime(call.Line, call.Time, free), Time = free };
            }
        }
    }

    private static bool Collides(KissCall earlier, KissCall call, long second)
        => earlier.Time == second && KissCallReader.Letter(earlier.Line) == KissCallReader.Letter(call.Line)
           && string.Equals(earlier.Person, call.Person, StringComparison.OrdinalIgnoreCase)
           && earlier.KeyNames is { } names && names.Any(n => call.KeyNames!.Contains(n, StringComparer.OrdinalIgnoreCase));
}
