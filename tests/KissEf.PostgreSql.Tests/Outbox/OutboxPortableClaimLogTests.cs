using KissEf.Internal.Providers;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Outbox;

/// <summary>
/// Log 2008: a relational provider KissEf has no claim SQL of its own for gets the portable claim and says so once per
/// context type; SQLite and PostgreSQL do not log it. The unknown provider is SQLite under another provider name
/// (its <see cref="IDatabaseProvider"/> replaced), which is all KissEf tells providers by.
/// </summary>
public sealed class OutboxPortableClaimLogTests : OutboxTestBase
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task An_unknown_relational_provider_gets_the_portable_claim_and_logs_2008_once()
    {
        await using var host = OutboxTestHost.Create(
            Database.ConnectionString, Server.Endpoint, context: db => db.ReplaceService<IDatabaseProvider, UnknownProvider>());
        await host.WithContextAsync(db =>
        {
            Assert.Equal(UnknownProvider.ProviderName, db.Database.ProviderName);
            Assert.IsType<KissPortableOutboxProvider>(new KissOutboxProviders().For(db));
            return db.Database.EnsureCreatedAsync();
        });
        await host.StartAsync();

        // Two commits, each claimed (portably: the provider is not PostgreSQL) and delivered by the running dispatcher.
        await host.AddCustomersAsync(OutboxTestHost.Customers("first", 0, 2));
        await Server.WaitForCallsAsync(2, Deadline);
        await host.AddCustomersAsync(OutboxTestHost.Customers("second", 0, 1));
        await Server.WaitForCallsAsync(3, Deadline);
        await host.StopAsync();

        var log = Assert.Single(host.Logs.WithEventId(2008));
        Assert.Equal(LogLevel.Information, log.Level);
        Assert.Contains(UnknownProvider.ProviderName, log.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(OutboxShopContext), log.Message, StringComparison.Ordinal);
        Assert.Empty(host.Logs.Errors);
    }

    [Theory]
    [InlineData(Provider.Sqlite)]
    [InlineData(Provider.Postgres)]
    public async Task Sqlite_and_PostgreSQL_do_not_log_2008(Provider provider)
    {
        await using var host = await CreateHostAsync(provider);
        await host.EnsureCreatedAsync();
        await host.StartAsync();
        await host.AddCustomersAsync(OutboxTestHost.Customers("known", 0, 1));
        await Server.WaitForCallsAsync(1, Deadline);

        // Stopping waits for the dispatcher's loops, the listener (which decides on 2008 as it starts) among them.
        await host.StopAsync();

        Assert.Empty(host.Logs.WithEventId(2008));
        Assert.Empty(host.Logs.Errors);
    }

    /// <summary>A database provider of a name KissEf does not know, configured wherever a relational provider is.</summary>
    private sealed class UnknownProvider : IDatabaseProvider
    {
        public const string ProviderName = "KissEf.Tests.UnknownRelational";

        public string Name => ProviderName;

        public string? Version => null;

        public bool IsConfigured(IDbContextOptions options) => options.Extensions.OfType<RelationalOptionsExtension>().Any();
    }
}
