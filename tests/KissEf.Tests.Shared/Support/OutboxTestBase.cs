using KissEf.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Tests.Support;

/// <summary>
/// The set-up of an outbox test class: per test, a fresh SQLite file and a fresh <see cref="FakeTrackingServer"/>,
/// both gone after the test. Hosts on them come from <see cref="CreateHost"/> (several may share the database).
/// </summary>
public abstract class OutboxTestBase : IAsyncLifetime
{
    protected SqliteDatabase Database { get; } = new();

    protected FakeTrackingServer Server { get; private set; } = null!;

    public virtual async Task InitializeAsync() => Server = await FakeTrackingServer.StartAsync();

    public virtual async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Database.Dispose();
    }

    /// <summary>A built (not started) <see cref="OutboxTestHost"/> on this test's database and server.</summary>
    protected OutboxTestHost CreateHost(Action<KissTrackingOptions>? configure = null) => OutboxTestHost.Create(Database, Server, configure);

    /// <summary>
    /// A built (not started) <see cref="OutboxTestHost"/> on this test's database of <paramref name="provider"/> (the
    /// SQLite file, or a PostgreSQL database made on first use; every host of the test shares it);
    /// <paramref name="context"/> adds to its context's options (an interceptor, say); <paramref name="maps"/> replaces
    /// <see cref="OutboxShop.MapCustomers"/>.
    /// </summary>
    protected async Task<OutboxTestHost> CreateHostAsync(
        Provider provider,
        Action<KissTrackingOptions>? configure = null,
        Action<DbContextOptionsBuilder>? context = null,
        Func<KissTrackingBuilder, KissTrackingBuilder>? maps = null)
    {
        var connection = provider == Provider.Sqlite ? Database.ConnectionString : _postgres ??= await Providers.CreateDatabaseAsync(provider, Database);
        return OutboxTestHost.Create(connection, Server.Endpoint, configure, maps, context);
    }

    private string? _postgres;
}
