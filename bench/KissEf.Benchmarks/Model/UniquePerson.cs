namespace KissEf.Benchmarks.Model;

/// <summary>
/// A number no other entity of the process has: every saved entity is a new person, as new sign-ups are. (The
/// same persons saved again in the same second would be shifted to later seconds by KissEf's rule for the
/// vendor's de-duplication, which is not the case these benchmarks measure.)
/// </summary>
public static class UniquePerson
{
    private static long _next;

    public static long Next() => Interlocked.Increment(ref _next);
}
