using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Lifecycle;

/// <summary>
/// Issue 15, item 4, in process: EF logs the commands of KissEf's own contexts at Debug and the application's as it
/// always does, with plain and pooled contexts; and KissEf's own failures (a missing table) are not EF errors.
/// </summary>
public sealed class OwnCommandLogTests
{
    private const string CommandCategory = "Microsoft.EntityFrameworkCore.Database.Command";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task KissEfs_own_commands_are_logged_by_EF_at_Debug_and_the_applications_at_Information(bool kissBeforeProvider)
    {
        using var database = new SqliteDatabase();
        await using var server = await FakeTrackingServer.StartAsync();
        var logs = new TestLogCollector();
        using var core = Build(database, server, logs, LogLevel.Debug, pooled: false, kissBeforeProvider);
        await InScopeAsync(core, db => db.Database.EnsureCreatedAsync());
        await InScopeAsync(core, async db =>
        {
            db.Customers.Add(OutboxTestHost.Customer("log-1"));
            await db.SaveChangesAsync();
            Assert.Equal(1, await db.Customers.CountAsync());
        });

        // KissEf's own work: a claim, a send, a delete; the operator's view.
        await core.Services.GetRequiredService<IKissDispatcher>().FlushAsync();
        await server.WaitForCallsAsync(1, TimeSpan.FromSeconds(30));
        await core.Services.GetRequiredService<IKissOutbox>().GetStateAsync();

        var commands = logs.Entries.Where(e => e.Category == CommandCategory && e.EventId.Id == 20101).ToList();
        var kiss = commands.Where(e => e.Message.Contains("kiss_outbox", StringComparison.Ordinal) && !e.Message.Contains("CREATE", StringComparison.Ordinal)).ToList();
        Assert.True(kiss.Count >= 3, logs.ToString());
        Assert.All(kiss, e => Assert.Equal(LogLevel.Debug, e.Level));

        // The application's: its EnsureCreated (the outbox table's CREATE included), its INSERT, its query.
        var app = commands.Except(kiss).ToList();
        Assert.Contains(app, e => e.Message.Contains("CREATE TABLE \"kiss_outbox\"", StringComparison.Ordinal));
        Assert.Contains(app, e => e.Message.Contains("INSERT INTO \"customers\"", StringComparison.Ordinal));
        Assert.Contains(app, e => e.Message.Contains("FROM \"customers\"", StringComparison.Ordinal));
        Assert.All(app, e => Assert.Equal(LogLevel.Information, e.Level));
    }

    [Fact]
    public async Task A_pooled_context_that_KissEf_used_logs_the_applications_next_command_at_Information()
    {
        using var database = new SqliteDatabase();
        await using var server = await FakeTrackingServer.StartAsync();
        var logs = new TestLogCollector();

        // Information, as a stock app: had KissEf's lease made EF's command logging look idle, EF would skip logging
        // that context's commands for a second (LoggingCacheTime), the application's next command with them.
        using var core = Build(database, server, logs, LogLevel.Information, pooled: true);
        await InScopeAsync(core, db => db.Database.EnsureCreatedAsync());
        var instances = new HashSet<Guid>();
        for (var round = 0; round < 3; round++)
        {
            await core.Services.GetRequiredService<IKissOutbox>().GetStateAsync();
            await InScopeAsync(core, async db =>
            {
                instances.Add(db.ContextId.InstanceId);
                await db.Customers.Where(c => c.Score == round).CountAsync();
            });
        }

        // One pooled instance served KissEf and the application in turn.
        Assert.Single(instances);
        var commands = logs.Entries.Where(e => e.Category == CommandCategory && e.EventId.Id == 20101).ToList();
        Assert.DoesNotContain(commands, e => e.Message.Contains("kiss_outbox", StringComparison.Ordinal) && !e.Message.Contains("CREATE", StringComparison.Ordinal));
        Assert.Equal(3, commands.Count(e => e.Message.Contains("FROM \"customers\"", StringComparison.Ordinal) && e.Level == LogLevel.Information));
    }

    [Fact]
    public async Task Without_the_table_a_flush_and_the_outbox_view_say_what_to_run_and_EF_logs_no_error()
    {
        using var database = new SqliteDatabase();
        await using var server = await FakeTrackingServer.StartAsync();
        var logs = new TestLogCollector();
        using var core = Build(database, server, logs, LogLevel.Debug, pooled: false);
        await using (var plain = new OutboxPlainShopContext(new DbContextOptionsBuilder<OutboxPlainShopContext>().UseSqlite(database.ConnectionString).Options))
        {
            await plain.Database.EnsureCreatedAsync();
        }

        var flush = await Assert.ThrowsAsync<InvalidOperationException>(() => core.Services.GetRequiredService<IKissDispatcher>().FlushAsync());
        var state = await Assert.ThrowsAsync<InvalidOperationException>(() => core.Services.GetRequiredService<IKissOutbox>().GetStateAsync());

        foreach (var error in new[] { flush, state })
        {
            Assert.Contains("dotnet ef migrations add", error.Message, StringComparison.Ordinal);
            Assert.Contains("kiss_outbox", error.Message, StringComparison.Ordinal);
            Assert.Contains(nameof(OutboxShopContext), error.Message, StringComparison.Ordinal);
            Assert.Contains("no such table", error.Message, StringComparison.Ordinal);
        }

        // EF's errors for KissEf's own commands (20102 command failed, 10100 query failed) are at Debug: KissEf says
        // what went wrong itself.
        Assert.Empty(logs.Errors);
        Assert.Contains(logs.Entries, e => e.EventId.Id == 20102 && e.Level == LogLevel.Debug);
    }

    // kissBeforeProvider: UseKissTracking before UseSqlite: KissEf's extension then registers its services
    // before EF's logger factory is there.
    private static TestHostCore Build(SqliteDatabase database, FakeTrackingServer server, TestLogCollector logs, LogLevel minimum, bool pooled, bool kissBeforeProvider = false)
    {
        var builder = TestHostCore.CreateBuilder(logs, minimum, shutdownTimeout: TimeSpan.FromSeconds(15));
        builder.Services.AddKissTracking(kiss => kiss
            .UseApiKey(OutboxShop.ApiKey)
            .UseEndpoint(server.Endpoint)
            .MapCustomers()
            .Configure(o => TestHostCore.ApplyTestTimings(o, TimeSpan.FromMilliseconds(50))));
        if (pooled)
        {
            builder.Services.AddDbContextPool<OutboxShopContext>((sp, db) => db.UseSqlite(database.ConnectionString).UseKissTracking(sp), poolSize: 1);
        }
        else
        {
            builder.Services.AddDbContext<OutboxShopContext>((sp, db) =>
            {
                if (kissBeforeProvider)
                {
                    db.UseKissTracking(sp).UseSqlite(database.ConnectionString);
                }
                else
                {
                    db.UseSqlite(database.ConnectionString).UseKissTracking(sp);
                }
            });
        }

        return new TestHostCore(builder.Build());
    }

    private static async Task InScopeAsync(TestHostCore core, Func<OutboxShopContext, Task> work)
    {
        using var scope = core.Services.CreateScope();
        await work(scope.ServiceProvider.GetRequiredService<OutboxShopContext>());
    }
}
