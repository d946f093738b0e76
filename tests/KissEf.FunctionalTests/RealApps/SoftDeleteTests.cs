using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using static KissEf.Tests.Support.SyncOrAsync;

namespace KissEf.Tests.RealApps;

/// <summary>
/// Issue 7, item 2: only what reaches the database counts. A delete that the application's soft-delete interceptor
/// turns into an update (State = Modified, IsDeleted = true) fires the update's triggers, never OnDeleted.
/// </summary>
public sealed class SoftDeleteTests
{
    public static TheoryData<bool, Delivery, bool> Cases
    {
        get
        {
            var data = new TheoryData<bool, Delivery, bool>();
            foreach (var before in new[] { true, false })
            {
                foreach (var delivery in Enum.GetValues<Delivery>())
                {
                    data.Add(before, delivery, false);
                    data.Add(before, delivery, true);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_soft_deleted_entity_fires_its_update_triggers_and_never_OnDeleted(bool registeredBefore, Delivery delivery, bool async)
    {
        await using var host = await AppHost.StartAsync(
            delivery,
            kiss => kiss.Entity<AppTodo>(t =>
            {
                t.HasIdentity(x => x.OwnerEmail);
                t.OnDeleted().Record("Deleted Item").With("title", x => x.Title);
                t.OnChanged(x => x.IsDeleted).When(x => x.IsDeleted).Record("Archived Item")
                    .With("title", x => x.Title)
                    .WithOriginal("was deleted", x => x.IsDeleted);
                t.OnModified().Record("Item Updated").With("deleted", x => x.IsDeleted);
            }),
            o =>
            {
                if (registeredBefore)
                {
                    o.InterceptorsBefore = _ => [new SoftDeleteInterceptor()];
                }
                else
                {
                    o.InterceptorsAfter = _ => [new SoftDeleteInterceptor()];
                }
            });
        await host.AddAsync(new AppTodo { Title = "Buy milk", OwnerEmail = "ann@example.com" });
        await host.FlushAndResetAsync();

        using (var scope = host.OpenScope())
        {
            scope.Db.Todos.Remove(await scope.Db.Todos.SingleAsync());
            await SaveAsync(scope.Db, async);
        }

        var calls = await host.FlushedCallsAsync();
        Assert.Empty(calls.Events("Deleted Item"));
        Assert.True(calls.Count == 2, calls.Describe());
        CallAssert.Is(
            Assert.Single(calls.Events("Archived Item")),
            "/e",
            ("_p", "ann@example.com"),
            ("_n", "Archived Item"),
            ("title", "Buy milk"),
            ("was deleted", "false"));
        CallAssert.Is(
            Assert.Single(calls.Events("Item Updated")),
            "/e",
            ("_p", "ann@example.com"),
            ("_n", "Item Updated"),
            ("deleted", "true"));

        // The row is still in the table, flagged.
        await using var check = new AppShopContext(new DbContextOptionsBuilder<AppShopContext>().UseSqlite(host.Database.ConnectionString).Options);
        var row = await check.Todos.SingleAsync();
        Assert.True(row.IsDeleted);
    }

    [Theory]
    [InlineData(Delivery.Outbox)]
    [InlineData(Delivery.Direct)]
    public async Task A_hard_delete_the_interceptor_lets_through_still_fires_OnDeleted(Delivery delivery)
    {
        // Control: without the soft-delete interceptor the same map reports the delete (the test above can fail).
        await using var host = await AppHost.StartAsync(delivery, kiss => kiss.Entity<AppTodo>(t =>
        {
            t.HasIdentity(x => x.OwnerEmail);
            t.OnDeleted().Record("Deleted Item").With("title", x => x.Title);
            t.OnChanged(x => x.IsDeleted).When(x => x.IsDeleted).Record("Archived Item");
            t.OnModified().Record("Item Updated");
        }));
        await host.AddAsync(new AppTodo { Title = "Buy milk", OwnerEmail = "ann@example.com" });
        await host.FlushAndResetAsync();

        await host.WithContextAsync(async db =>
        {
            db.Todos.Remove(await db.Todos.SingleAsync());
            await db.SaveChangesAsync();
        });

        var call = Assert.Single(await host.FlushedCallsAsync());
        CallAssert.Is(call, "/e", ("_p", "ann@example.com"), ("_n", "Deleted Item"), ("title", "Buy milk"));
    }
}
