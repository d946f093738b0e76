using System.Globalization;

namespace KissEf.Protocol;

/// <summary>
/// Keeps distinct calls distinct at the vendor. KISSmetrics counts two events with the same person, name and
/// <c>_t</c> once, and two sets of one property of a person with the same <c>_t</c> once. So a call whose key was
/// already used in this process moves to the next free second: the n-th duplicate of <c>(_p, _n, _t)</c> is sent
/// with <c>_t + n</c> (a property set with the first second free for all its properties). The shift is made once,
/// when the call is created, so every retry sends the same <c>_t</c>. Keys are remembered for five to ten seconds
/// of the process's clock (a shifted call can push a later one of the next second); names and persons compare case-insensitively, as the vendor does for names.
/// </summary>
internal sealed class KissDistinctTimes(TimeProvider time)
{
    // Two saves within five seconds are always compared; memory holds at most ten seconds of calls.
    private static readonly TimeSpan Generation = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private HashSet<Slot> _current = new(SlotComparer.Instance);
    private HashSet<Slot> _previous = new(SlotComparer.Instance);
    private long _rotatedAt = time.GetTimestamp();

    /// <summary>Moves each call of <paramref name="calls"/> (in order) whose key is taken to the next free second.</summary>
    public void Assign(List<KissCall> calls)
    {
        lock (_lock)
        {
            Rotate();
            for (var i = 0; i < calls.Count; i++)
            {
                if (calls[i].Key is not { } key)
                {
                    continue;
                }

                var free = key.Time;
                while (!IsFree(key, free))
                {
                    free++;
                }

                foreach (var name in key.Names)
                {
                    _current.Add(new Slot(key.Kind, key.Person, name, free));
                }

                if (free != key.Time)
                {
                    calls[i] = calls[i] with { Line = Retime(calls[i].Line, key.Time, free), Key = key with { Time = free } };
                }
            }
        }
    }

    private bool IsFree(KissCallKey key, long second)
    {
        foreach (var name in key.Names)
        {
            var slot = new Slot(key.Kind, key.Person, name, second);
            if (_current.Contains(slot) || _previous.Contains(slot))
            {
                return false;
            }
        }

        return true;
    }

    private void Rotate()
    {
        if (time.GetElapsedTime(_rotatedAt) < Generation)
        {
            return;
        }

        (_previous, _current) = (_current, _previous);
        _current.Clear();
        _rotatedAt = time.GetTimestamp();
    }

    /// <summary>Replaces the call's <c>_t</c> parameter (written once, as <c>&amp;_t=N&amp;</c>).</summary>
    private static string Retime(string line, long from, long to)
    {
        var old = "&_t=" + from.ToString(CultureInfo.InvariantCulture) + "&";
        var at = line.IndexOf(old, StringComparison.Ordinal);
        return string.Concat(line.AsSpan(0, at), "&_t=", to.ToString(CultureInfo.InvariantCulture), line.AsSpan(at + old.Length - 1));
    }

    private readonly record struct Slot(KissCallKind Kind, string Person, string Name, long Second);

    private sealed class SlotComparer : IEqualityComparer<Slot>
    {
        public static readonly SlotComparer Instance = new();

        public bool Equals(Slot x, Slot y)
            => x.Second == y.Second && x.Kind == y.Kind
               && string.Equals(x.Name, y.Name, StringComparison.OrdinalIgnoreCase)
               && string.Equals(x.Person, y.Person, StringComparison.OrdinalIgnoreCase);

        public int GetHashCode(Slot slot) => HashCode.Combine(
            slot.Second,
            slot.Kind,
            StringComparer.OrdinalIgnoreCase.GetHashCode(slot.Name),
            StringComparer.OrdinalIgnoreCase.GetHashCode(slot.Person));
    }
}
