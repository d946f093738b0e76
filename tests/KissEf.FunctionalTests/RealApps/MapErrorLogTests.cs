using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using static KissEf.Tests.Support.SyncOrAsync;

namespace KissEf.Tests.RealApps;

/// <summary>
/// Issue 7, item 7: error 1003 (a map expression threw) names the entity, the trigger, the call and the text of the
/// expression that threw, never a value; that entity's calls are all dropped, the other entities' calls are sent and
/// the save goes on.
/// </summary>
public sealed class MapErrorLogTests
{
    private const int CallFailed = 1003;

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task A_throwing_map_expression_is_logged_with_entity_trigger_call_and_expression_and_costs_only_that_entitys_calls(Delivery delivery, bool async)
    {
        await using var host = await AppHost.StartAsync(delivery, kiss => kiss.Entity<AppTodo>(t =>
        {
            t.HasIdentity(x => x.OwnerEmail);

            // Built before the throwing call: dropped with it (all or nothing per entity).
            t.OnModified().Record("Touched Todo");
            t.OnModified().Record("Completed Todo").With("len", x => x.Name!.Length).With("title", x => x.Title);
            t.OnChanged(x => x.Done).Set("done", x => x.Done);
        }));
        await host.AddAsync(
            new AppTodo { Title = "Secret plan", OwnerEmail = "ann@example.com", Name = null },
            new AppTodo { Title = "Groceries", OwnerEmail = "bob@example.com", Name = "Bob's" });

        using (var scope = host.OpenScope())
        {
            foreach (var todo in await scope.Db.Todos.ToListAsync())
            {
                todo.Done = true;
            }

            await SaveAsync(scope.Db, async);
        }

        var calls = await host.FlushedCallsAsync();
        Assert.True(calls.Count == 3, calls.Describe());
        Assert.All(calls, c => Assert.Equal("bob@example.com", c.Get("_p")));
        CallAssert.Is(Assert.Single(calls.Events("Completed Todo")), "/e", ("_p", "bob@example.com"), ("_n", "Completed Todo"), ("len", "5"), ("title", "Groceries"));
        CallAssert.Is(Assert.Single(calls.Events("Touched Todo")), "/e", ("_p", "bob@example.com"), ("_n", "Touched Todo"));
        CallAssert.Is(CallAssert.OnlyTo(calls, "/s"), "/s", ("_p", "bob@example.com"), ("done", "true"));

        // The save went on: both rows are done.
        await using (var check = new AppShopContext(new DbContextOptionsBuilder<AppShopContext>().UseSqlite(host.Database.ConnectionString).Options))
        {
            Assert.All(await check.Todos.ToListAsync(), t => Assert.True(t.Done));
        }

        var error = Assert.Single(host.Logs.WithEventId(CallFailed), e => e.Category.StartsWith("KissEf", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.IsType<NullReferenceException>(error.Exception);
        Assert.Contains(nameof(AppTodo), error.Message, StringComparison.Ordinal);
        Assert.Contains("OnModified()", error.Message, StringComparison.Ordinal);
        Assert.Contains("Completed Todo", error.Message, StringComparison.Ordinal);

        // The expression's text (ToString() drops the '!'; a boxing Convert(...) around it may stay).
        Assert.Contains("x.Name.Length", error.Message, StringComparison.Ordinal);

        // Never a value of the entity, in any entry.
        foreach (var entry in host.Logs.Entries)
        {
            foreach (var value in new[] { "ann@example.com", "Secret plan", "bob@example.com", "Groceries", "Bob's" })
            {
                Assert.DoesNotContain(value, entry.FullText, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task A_throwing_expression_of_a_deleted_entity_names_OnDeleted_and_its_event(Delivery delivery)
    {
        await using var host = await AppHost.StartAsync(delivery, kiss => kiss.Entity<AppTodo>(t =>
        {
            t.HasIdentity(x => x.OwnerEmail);
            t.OnDeleted().Record("Deleted Todo").With("len", x => x.Name!.Length);
        }));
        await host.AddAsync(new AppTodo { Title = "Secret plan", OwnerEmail = "ann@example.com" });

        await host.WithContextAsync(async db =>
        {
            db.Todos.Remove(await db.Todos.SingleAsync());
            await db.SaveChangesAsync();
        });

        await host.FlushAsync();
        Assert.Empty(host.Server.AllRequests);
        var error = Assert.Single(host.Logs.WithEventId(CallFailed), e => e.Category.StartsWith("KissEf", StringComparison.Ordinal));
        Assert.Contains(nameof(AppTodo), error.Message, StringComparison.Ordinal);
        Assert.Contains("OnDeleted()", error.Message, StringComparison.Ordinal);
        Assert.Contains("Deleted Todo", error.Message, StringComparison.Ordinal);
        Assert.Contains("x.Name.Length", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Secret plan", error.FullText, StringComparison.Ordinal);
        Assert.DoesNotContain("ann@example.com", error.FullText, StringComparison.Ordinal);
    }
}
