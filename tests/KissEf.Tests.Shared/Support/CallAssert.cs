using KissEf.Tests.Infrastructure;

namespace KissEf.Tests.Support;

/// <summary>Assertions on what the fake tracking server received.</summary>
public static class CallAssert
{
    /// <summary>
    /// <paramref name="call"/> went to <paramref name="path"/> with <c>_k</c> = the test key, <c>_d=1</c>, a numeric
    /// <c>_t</c>, and exactly the <paramref name="expected"/> other parameters (decoded), each once.
    /// </summary>
    public static void Is(ReceivedCall call, string path, params (string Name, string Value)[] expected)
    {
        ArgumentNullException.ThrowIfNull(call);
        Assert.Equal(path, call.Path);
        Assert.Equal("GET", call.Method);
        Assert.Equal(TestHost.ApiKey, call.Get("_k"));
        Assert.Equal("1", call.Get("_d"));
        Assert.True(long.TryParse(call.Get("_t"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _), $"_t is not Unix seconds: {call.Url}");

        // No parameter twice (a repeated name would be ambiguous at the server).
        Assert.Equal(call.RawPairs.Count, call.Query.Count);

        var actual = call.Query
            .Where(p => p.Key is not ("_k" or "_t" or "_d"))
            .Select(p => $"{p.Key}={p.Value}")
            .Order(StringComparer.Ordinal)
            .ToArray();
        var wanted = expected.Select(p => $"{p.Name}={p.Value}").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(wanted, actual);
    }

    /// <summary>The single call to <paramref name="path"/> among <paramref name="calls"/>.</summary>
    public static ReceivedCall OnlyTo(IEnumerable<ReceivedCall> calls, string path)
        => Assert.Single(calls, c => c.Path == path);

    /// <summary>The events named <paramref name="name"/>.</summary>
    public static IReadOnlyList<ReceivedCall> Events(this IEnumerable<ReceivedCall> calls, string name)
        => [.. calls.Where(c => c.Path == "/e" && c.Get("_n") == name)];

    /// <summary>The calls to <paramref name="path"/>.</summary>
    public static IReadOnlyList<ReceivedCall> To(this IEnumerable<ReceivedCall> calls, string path)
        => [.. calls.Where(c => c.Path == path)];

    /// <summary>
    /// The calls as the vendor counts them: one per URL. A retry repeats its call's URL byte for byte (the same
    /// <c>_t</c>), and the vendor's duplicate detection counts it once. A direct-delivery attempt that times out on a
    /// starved machine after the server got it is retried, so the server sees that URL twice; that is by design
    /// (DESIGN.md: at-least-once plus a stable <c>_t</c>). Use it where a test asserts what was delivered, not how
    /// often it was sent.
    /// </summary>
    public static IReadOnlyList<ReceivedCall> AsCounted(this IEnumerable<ReceivedCall> calls)
        => [.. calls.DistinctBy(c => c.Url, StringComparer.Ordinal)];

    /// <summary>Describes the calls, for assertion messages.</summary>
    public static string Describe(this IEnumerable<ReceivedCall> calls)
        => string.Join(Environment.NewLine, calls.Select(c => c.ToString()));

    /// <summary>Unix seconds of <paramref name="time"/>, as <c>_t</c> carries it.</summary>
    public static string UnixSeconds(DateTimeOffset time)
        => time.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
}
