using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Postgres;

/// <summary>
/// Issue 10, faults: a retrying execution strategy (<c>EnableRetryOnFailure</c>) and the save's server connection cut
/// in the middle of the save. The strategy replays the save on a new connection; its calls are written once, by the
/// attempt that commits.
/// </summary>
public sealed class PostgresConnectionFaultTests
{
    [Theory]
    [InlineData(ConnectionKiller.Moment.Before)]
    [InlineData(ConnectionKiller.Moment.After)]
    public async Task A_save_whose_connection_is_cut_is_replayed_and_its_calls_are_sent_once(ConnectionKiller.Moment when)
    {
        await using var server = await FakeTrackingServer.StartAsync();
        var connection = (await SharedPostgres.GetAsync()).CreateDatabase();
        var killer = new ConnectionKiller(connection);
        var builder = TestHostCore.CreateBuilder(new TestLogCollector(), LogLevel.Warning, TimeSpan.FromSeconds(10));
        builder.Services.AddKissTracking(kiss => kiss
            .UseApiKey(OutboxShop.ApiKey)
            .UseEndpoint(server.Endpoint)
            .MapCustomers()
            .Configure(o => TestHostCore.ApplyTestTimings(o, TimeSpan.FromMilliseconds(50))));
        builder.Services.AddDbContext<OutboxShopContext>((sp, db) => db
            .UseNpgsql(connection, npgsql => npgsql.EnableRetryOnFailure(3, TimeSpan.FromMilliseconds(50), null))
            .AddInterceptors(killer)
            .UseKissTracking(sp));
        using var host = builder.Build();
        await using (var scope = host.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<OutboxShopContext>().Database.EnsureCreatedAsync();
        }

        // SaveChanges' own transaction, 3 sign-ups: the strategy retries it as a whole.
        killer.Arm(when);
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OutboxShopContext>();
            db.Customers.AddRange(OutboxTestHost.Customers("cut", 0, 3));
            await db.SaveChangesAsync();
        }

        Assert.True(killer.Fired);
        await host.Services.GetRequiredService<IKissDispatcher>().FlushAsync();

        Assert.Equal(
            Enumerable.Range(0, 3).Select(i => OutboxTestHost.EmailOf($"cut-{i}")),
            server.AllRequests.Select(c => c.Get("_p")).Order(StringComparer.Ordinal));
        await using var check = host.Services.CreateAsyncScope();
        var context = check.ServiceProvider.GetRequiredService<OutboxShopContext>();
        Assert.Equal(3, await context.Customers.CountAsync());
        Assert.Equal(0, await context.Database.SqlQueryRaw<int>("SELECT COUNT(*)::int AS \"Value\" FROM kiss_outbox").SingleAsync());
    }
}
