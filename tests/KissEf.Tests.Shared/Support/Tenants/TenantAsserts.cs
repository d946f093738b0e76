using KissEf.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Support.Tenants;

/// <summary>The tenant tests' assertions on what was delivered and what was logged.</summary>
public static class TenantAsserts
{
    /// <summary>
    /// Waits for <paramref name="expected"/> calls at <paramref name="server"/>, then asserts they were each delivered once
    /// (one request each, no retry, with the tests' key); a failure lists what <paramref name="hosts"/> logged at Warning
    /// and above.
    /// </summary>
    public static async Task DeliveredOnceAsync(FakeTrackingServer server, IReadOnlyCollection<string> expected, TimeSpan timeout, params TenantTestHost[] hosts)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(expected);
        try
        {
            await server.WaitForCallsAsync(expected.Count, timeout);
            OutboxCalls.AssertSameCalls(expected, server.Calls.Select(OutboxCalls.KeyOf));
            Assert.Equal(expected.Count, server.AllRequests.Count);
            // A call expected more than once (the person TenantWorkload adds to every tenant, committed in the same second in
            // several tenant databases) is one URL for all of them, and they may be in flight together: the count and the
            // multiset above already prove each was sent once. A URL of a call expected once in flight twice at once is
            // that call sent twice.
            Assert.Empty(server.ConcurrentDuplicates.Where(url => ExpectedOnce(server, expected, url)));
            Assert.All(server.Calls, c => Assert.Equal(TenantShop.ApiKey, c.Get("_k")));
        }
        catch (Exception failure) when (failure is Xunit.Sdk.XunitException or TimeoutException)
        {
            var logged = hosts.SelectMany(h => h.Logs.Entries).Where(e => e.Level >= LogLevel.Warning);
            var repeated = server.AllRequests.GroupBy(c => c.Url).Where(g => g.Count() > 1).Take(5)
                .Select(g => string.Join(" | ", g.Select(c => $"{c.ReceivedAt:HH:mm:ss.fff} {c.Method} {c.StatusCode} {OutboxCalls.KeyOf(c)}")));
            throw new Xunit.Sdk.XunitException(
                $"{failure.Message}{Environment.NewLine}Sent more than once:{Environment.NewLine}{string.Join(Environment.NewLine, repeated)}" +
                $"{Environment.NewLine}Logged:{Environment.NewLine}{string.Join(Environment.NewLine, logged.Select(e => e + " " + e.Exception))}");
        }
    }

    private static bool ExpectedOnce(FakeTrackingServer server, IReadOnlyCollection<string> expected, string url)
    {
        var call = server.AllRequests.FirstOrDefault(c => c.Url == url);
        return call is null || expected.Count(k => k == OutboxCalls.KeyOf(call)) < 2;
    }

    /// <summary>Nothing logged at Warning or above, but what <paramref name="allowed"/> lets through.</summary>
    public static void NoWarnings(TenantTestHost host, Func<CapturedLog, bool>? allowed = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        var warnings = host.Logs.Entries.Where(e => e.Level >= LogLevel.Warning && allowed?.Invoke(e) != true).ToList();
        Assert.True(warnings.Count == 0, $"Logged:{Environment.NewLine}{string.Join(Environment.NewLine, warnings)}");
    }
}
