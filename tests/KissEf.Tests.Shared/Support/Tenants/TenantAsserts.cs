using KissEf.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
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
            // The shared person's calls (TenantWorkload.Shared) are one URL in every tenant when committed in the same second,
            // and may be in flight together from several tenant databases: the count and the multiset above already prove
            // each was sent once. Any other URL in flight twice at once is one call sent twice.
            Assert.Empty(server.ConcurrentDuplicates.Where(url => !OfSharedPerson(url)));
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

    private static bool OfSharedPerson(string url)
    {
        var query = url.IndexOf('?', StringComparison.Ordinal) is var at and >= 0 ? url[at..] : string.Empty;
        return QueryHelpers.ParseQuery(query).TryGetValue("_p", out var person) && person == TenantWorkload.Shared;
    }

    /// <summary>Nothing logged at Warning or above, but what <paramref name="allowed"/> lets through.</summary>
    public static void NoWarnings(TenantTestHost host, Func<CapturedLog, bool>? allowed = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        var warnings = host.Logs.Entries.Where(e => e.Level >= LogLevel.Warning && allowed?.Invoke(e) != true).ToList();
        Assert.True(warnings.Count == 0, $"Logged:{Environment.NewLine}{string.Join(Environment.NewLine, warnings)}");
    }
}
