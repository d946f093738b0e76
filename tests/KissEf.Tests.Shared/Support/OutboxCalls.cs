using KissEf.Tests.Infrastructure;

namespace KissEf.Tests.Support;

/// <summary>Identifies calls by content, whatever their <c>_t</c> and <c>_k</c>: path, person, name and properties.</summary>
public static class OutboxCalls
{
    /// <summary>How often <see cref="EventuallyAsync"/> looks again.</summary>
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(20);

    private static readonly HashSet<string> Protocol = new(StringComparer.Ordinal) { "_k", "_p", "_n", "_t", "_d" };

    /// <summary>"/e crash-1@x Signed Up name=Customer crash-1", properties in ordinal order.</summary>
    public static string KeyOf(ReceivedCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var properties = call.Query
            .Where(p => !Protocol.Contains(p.Key))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value}");
        return string.Join(' ', new[] { call.Path, call.Get("_p") ?? "-", call.Get("_n") ?? "-" }.Concat(properties));
    }

    /// <summary>The key of an expected "Signed Up" call of <see cref="OutboxTestHost.Customer"/>(<paramref name="key"/>).</summary>
    public static string SignedUp(string key, string? email = null, string? name = null)
        => $"/e {email ?? OutboxTestHost.EmailOf(key)} {OutboxShop.SignedUp} name={name ?? OutboxTestHost.NameOf(key)}";

    /// <summary>The key of an expected "Scored" call.</summary>
    public static string Scored(string email, int score) => $"/e {email} {OutboxShop.Scored} score={score}";

    /// <summary>Asserts the two multisets of keys are equal, listing what is missing and what is extra.</summary>
    public static void AssertSameCalls(IEnumerable<string> expected, IEnumerable<string> actual)
    {
        var want = expected.GroupBy(k => k, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var got = actual.GroupBy(k => k, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var missing = want.Where(w => got.GetValueOrDefault(w.Key) < w.Value).Select(w => $"{w.Key} (x{w.Value - got.GetValueOrDefault(w.Key)})").ToList();
        var extra = got.Where(g => want.GetValueOrDefault(g.Key) < g.Value).Select(g => $"{g.Key} (x{g.Value - want.GetValueOrDefault(g.Key)})").ToList();
        Assert.True(
            missing.Count == 0 && extra.Count == 0,
            $"Delivered calls differ from the expected ones.{Environment.NewLine}" +
            $"Missing ({missing.Count}): {string.Join("; ", missing.Take(20))}{Environment.NewLine}" +
            $"Extra ({extra.Count}): {string.Join("; ", extra.Take(20))}");
    }

    /// <summary>Every request carries the test's key, <c>_d=1</c> and a <c>_t</c>.</summary>
    public static void AssertWellFormed(IEnumerable<ReceivedCall> calls)
    {
        foreach (var call in calls)
        {
            Assert.Equal(OutboxShop.ApiKey, call.Get("_k"));
            Assert.Equal("1", call.Get("_d"));
            Assert.True(long.TryParse(call.Get("_t"), out _), $"no _t in {call}");
        }
    }

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes (then fails with
    /// <paramref name="describe"/>). For database state, which raises no signal a test could await.
    /// </summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<Task<string>> describe)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(describe);
        using var deadline = new CancellationTokenSource(timeout);
        using var poll = new PeriodicTimer(PollEvery);
        while (!await condition())
        {
            try
            {
                await poll.WaitForNextTickAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                if (await condition())
                {
                    return;
                }

                Assert.Fail($"Timed out after {timeout}: {await describe()}");
            }
        }
    }
}
