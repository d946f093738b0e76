namespace KissEf.Benchmarks.Model;

/// <summary>
/// Maps for types that are never saved, to see how the cost of a save grows with the number of maps an
/// application registers (profiling aid: --extra-maps N). Ten distinct CLR types via one generic class.
/// </summary>
public static class ExtraMaps
{
    private static readonly Type[] Markers = [typeof(M0), typeof(M1), typeof(M2), typeof(M3), typeof(M4), typeof(M5), typeof(M6), typeof(M7), typeof(M8), typeof(M9)];

    /// <summary>How many extra maps the benchmarks' service providers get (0 to 40).</summary>
    public static int Count { get; set; }

    public static KissTrackingBuilder MapExtra(this KissTrackingBuilder kiss)
    {
        for (var i = 0; i < Count; i++)
        {
            var type = (i / Markers.Length) switch
            {
                0 => typeof(Unsaved<>),
                1 => typeof(Unsaved2<>),
                2 => typeof(Unsaved3<>),
                _ => typeof(Unsaved4<>),
            };
            var entity = type.MakeGenericType(Markers[i % Markers.Length]);
            typeof(ExtraMaps).GetMethod(nameof(Map), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(entity).Invoke(null, [kiss]);
        }

        return kiss;
    }

    private static void Map<T>(KissTrackingBuilder kiss)
        where T : UnsavedBase
        => kiss.Entity<T>(e =>
        {
            e.HasIdentity(x => x.Email);
            e.OnAdded().Record("Never");
        });

    public abstract class UnsavedBase
    {
        public string Email { get; set; } = string.Empty;
    }

    public sealed class Unsaved<T> : UnsavedBase;

    public sealed class Unsaved2<T> : UnsavedBase;

    public sealed class Unsaved3<T> : UnsavedBase;

    public sealed class Unsaved4<T> : UnsavedBase;

    public sealed class M0;

    public sealed class M1;

    public sealed class M2;

    public sealed class M3;

    public sealed class M4;

    public sealed class M5;

    public sealed class M6;

    public sealed class M7;

    public sealed class M8;

    public sealed class M9;
}
