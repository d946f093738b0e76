using KissEf.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Support.ValueObjects;

/// <summary>
/// The application of <see cref="ValueShopContext"/>: a Generic Host with AddKissTracking (the given maps and delivery,
/// the test key so that <see cref="CallAssert"/> applies) on a SQLite file or a
/// PostgreSQL database, sending to a fake tracking server. Its schema is created when it starts.
/// </summary>
public sealed class ValueShopHost(TestHostCore core, FakeTrackingServer server, TestLogCollector logs) : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public FakeTrackingServer Server { get; } = server;

    public IServiceProvider Services => core.Services;

    /// <summary>KissEf's warnings and errors (a map that throws while building a call, say).</summary>
    public TestLogCollector Logs { get; } = logs;

    /// <summary>Builds the host, creates the schema and, unless <paramref name="start"/> is false, starts it.</summary>
    public static async Task<ValueShopHost> StartAsync(
        string connectionString, FakeTrackingServer server, Delivery delivery, Action<KissTrackingBuilder> maps, bool start = true)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(maps);
        var logs = new TestLogCollector();
        var builder = TestHostCore.CreateBuilder(logs, LogLevel.Warning, shutdownTimeout: TimeSpan.FromSeconds(15));
        builder.Services.AddKissTracking(kiss =>
        {
            kiss.UseApiKey(TestHost.ApiKey).UseEndpoint(server.Endpoint);
            kiss.Configure(o => TestHostCore.ApplyTestTimings(o, pollInterval: TimeSpan.FromMilliseconds(100)));
            if (delivery == Delivery.Direct)
            {
                kiss.UseDirectDelivery();
            }

            maps(kiss);
        });
        builder.Services.AddDbContext<ValueShopContext>((sp, db) => db.Use(Providers.Of(connectionString), connectionString).UseKissTracking(sp));
        var host = new ValueShopHost(new TestHostCore(builder.Build()), server, logs);
        await host.WithContextAsync(db => db.Database.EnsureCreatedAsync());
        if (start)
        {
            await host.StartHostAsync();
        }

        return host;
    }

    public Task StartHostAsync() => core.StartAsync();

    /// <summary>Runs <paramref name="work"/> on a context of its own scope.</summary>
    public async Task WithContextAsync(Func<ValueShopContext, Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var scope = Services.CreateScope();
        await work(scope.ServiceProvider.GetRequiredService<ValueShopContext>());
    }

    /// <summary>Adds <paramref name="entities"/> in one save, delivers its calls and forgets them at the server.</summary>
    public async Task SeedAsync(params object[] entities)
    {
        await WithContextAsync(db =>
        {
            db.AddRange(entities);
            return db.SaveChangesAsync();
        });
        await FlushAsync();
        Server.Reset();
    }

    /// <summary>Loads the only todo list, changes it and saves.</summary>
    public Task ChangeListAsync(Action<VoTodoList> change) => WithContextAsync(async db =>
    {
        change(await db.Lists.SingleAsync());
        await db.SaveChangesAsync();
    });

    /// <summary>Loads the only profile, changes it and saves.</summary>
    public Task ChangeProfileAsync(Action<VoProfile> change) => WithContextAsync(async db =>
    {
        change(await db.Profiles.SingleAsync());
        await db.SaveChangesAsync();
    });

    /// <summary>Delivers what was saved, with a deadline so that a hang fails the test.</summary>
    public async Task FlushAsync()
    {
        using var deadline = new CancellationTokenSource(Deadline);
        await Services.GetRequiredService<IKissDispatcher>().FlushAsync(deadline.Token);
    }

    /// <summary>Delivers what was saved, then returns what the server answered 200 to, and forgets it there.</summary>
    public async Task<IReadOnlyList<ReceivedCall>> TakeCallsAsync()
    {
        await FlushAsync();
        var calls = Server.Calls;
        Server.Reset();
        Assert.True(Logs.Kiss.Count == 0, string.Join(Environment.NewLine, Logs.Kiss));
        return calls;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await core.StopAsync();
        }
        finally
        {
            core.Dispose();
        }
    }
}
