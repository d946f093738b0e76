using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static KissEf.Tests.Support.SyncOrAsync;

namespace KissEf.Tests.RealApps;

/// <summary>
/// Issue 7, item 4: <c>IdentifiedBy&lt;TService&gt;</c> takes a trigger's person from an application service, resolved
/// from the scope the context was created in, when the save runs. A null or empty person, or a service that is not
/// registered, costs that call (warning 1001 naming the service and the trigger), never the save.
/// </summary>
public sealed class ActingUserTests
{
    private const int CallSkipped = 1001;

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task The_person_of_an_IdentifiedBy_trigger_is_the_acting_user_of_the_contexts_scope(Delivery delivery, bool async)
    {
        await using var host = await StartAsync(delivery);
        await host.AddAsync(
            new AppTodo { Title = "First", OwnerEmail = "ann@example.com" },
            new AppTodo { Title = "Second", OwnerEmail = "bob@example.com" });
        await host.FlushAndResetAsync();

        // Two requests, two acting users: each save takes the user of the scope its context came from.
        await DeleteAsync(host, async, "First", "admin@shop.example");
        await DeleteAsync(host, async, "Second", "helpdesk@shop.example");

        var calls = await host.FlushedCallsAsync();
        Assert.True(calls.Count == 6, calls.Describe());
        CallAssert.Is(Assert.Single(calls.Events("Deleted Todo"), c => c.Get("title") == "First"), "/e", ("_p", "admin@shop.example"), ("_n", "Deleted Todo"), ("title", "First"));
        CallAssert.Is(Assert.Single(calls.Events("Deleted Todo"), c => c.Get("title") == "Second"), "/e", ("_p", "helpdesk@shop.example"), ("_n", "Deleted Todo"), ("title", "Second"));

        // The property set of the same trigger has the acting user too.
        var sets = calls.To("/s");
        CallAssert.Is(Assert.Single(sets, c => c.Get("last deleted todo") == "First"), "/s", ("_p", "admin@shop.example"), ("last deleted todo", "First"));
        CallAssert.Is(Assert.Single(sets, c => c.Get("last deleted todo") == "Second"), "/s", ("_p", "helpdesk@shop.example"), ("last deleted todo", "Second"));

        // Another trigger of the same entity keeps HasIdentity's person.
        CallAssert.Is(Assert.Single(calls.Events("Lost Todo"), c => c.Get("title") == "First"), "/e", ("_p", "ann@example.com"), ("_n", "Lost Todo"), ("title", "First"));
        CallAssert.Is(Assert.Single(calls.Events("Lost Todo"), c => c.Get("title") == "Second"), "/e", ("_p", "bob@example.com"), ("_n", "Lost Todo"), ("title", "Second"));
        Assert.Empty(host.Logs.WithEventId(CallSkipped));
    }

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task Two_deletes_by_one_acting_user_in_one_save_are_both_counted(Delivery delivery, bool async)
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 10, 0, 0, TimeSpan.Zero));
        await using var host = await StartAsync(delivery, services => services.AddSingleton<TimeProvider>(clock));
        await host.AddAsync(
            new AppTodo { Title = "First", OwnerEmail = "ann@example.com" },
            new AppTodo { Title = "Second", OwnerEmail = "bob@example.com" });
        await host.FlushAndResetAsync();

        using (var scope = host.OpenScope())
        {
            scope.Services.GetRequiredService<CurrentUser>().Email = "admin@shop.example";
            scope.Db.Todos.RemoveRange(await scope.Db.Todos.ToListAsync());
            await SaveAsync(scope.Db, async);
        }

        // Same person, same event, same second: the vendor would count one without distinct _t.
        var deleted = (await host.FlushedCallsAsync()).Events("Deleted Todo");
        Assert.Equal(2, deleted.Count);
        Assert.All(deleted, c => Assert.Equal("admin@shop.example", c.Get("_p")));
        Assert.Equal(2, deleted.Select(c => c.Get("_t")).Distinct().Count());
    }

    [Theory]
    [InlineData(Delivery.Outbox, false, null)]
    [InlineData(Delivery.Outbox, true, "")]
    [InlineData(Delivery.Direct, true, null)]
    [InlineData(Delivery.Direct, false, "")]
    public async Task A_null_or_empty_acting_user_skips_that_call_warns_and_the_save_goes_on(Delivery delivery, bool async, string? actingUser)
    {
        await using var host = await StartAsync(delivery);
        await host.AddAsync(new AppTodo { Title = "First", OwnerEmail = "ann@example.com" });
        await host.FlushAndResetAsync();

        using (var scope = host.OpenScope())
        {
            scope.Services.GetRequiredService<CurrentUser>().Email = actingUser;
            scope.Db.Todos.Remove(await scope.Db.Todos.SingleAsync());
            scope.Db.Todos.Add(new AppTodo { Title = "Third", OwnerEmail = "cy@example.com" });
            await SaveAsync(scope.Db, async);
        }

        var calls = await host.FlushedCallsAsync();
        Assert.Empty(calls.Events("Deleted Todo"));
        Assert.Empty(calls.To("/s"));
        Assert.True(calls.Count == 2, calls.Describe());
        CallAssert.Is(Assert.Single(calls.Events("Lost Todo")), "/e", ("_p", "ann@example.com"), ("_n", "Lost Todo"), ("title", "First"));
        CallAssert.Is(Assert.Single(calls.Events("Created Todo")), "/e", ("_p", "cy@example.com"), ("_n", "Created Todo"));

        Assert.Equal(new[] { "Third" }, await TitlesAsync(host));
        AssertWarned(host, nameof(ICurrentUser), "Deleted Todo");
    }

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task An_unregistered_service_skips_that_call_warns_and_the_save_goes_on(Delivery delivery, bool async)
    {
        await using var host = await AppHost.StartAsync(delivery, kiss => kiss.Entity<AppTodo>(t =>
        {
            t.HasIdentity(x => x.OwnerEmail);
            t.OnAdded().Record("Created Todo");
            t.OnDeleted().IdentifiedBy<ITenantAdmin>(admin => admin.Email).Record("Deleted Todo");
            t.OnDeleted().Record("Lost Todo");
        }));
        await host.AddAsync(new AppTodo { Title = "First", OwnerEmail = "ann@example.com" });
        await host.FlushAndResetAsync();

        using (var scope = host.OpenScope())
        {
            scope.Db.Todos.Remove(await scope.Db.Todos.SingleAsync());
            scope.Db.Todos.Add(new AppTodo { Title = "Third", OwnerEmail = "cy@example.com" });
            await SaveAsync(scope.Db, async);
        }

        var calls = await host.FlushedCallsAsync();
        Assert.Empty(calls.Events("Deleted Todo"));
        Assert.True(calls.Count == 2, calls.Describe());
        Assert.Equal("ann@example.com", Assert.Single(calls.Events("Lost Todo")).Get("_p"));
        Assert.Equal("cy@example.com", Assert.Single(calls.Events("Created Todo")).Get("_p"));
        Assert.Equal(new[] { "Third" }, await TitlesAsync(host));
        AssertWarned(host, nameof(ITenantAdmin), "Deleted Todo");
    }

    private static Task<AppHost> StartAsync(Delivery delivery, Action<IServiceCollection>? services = null) => AppHost.StartAsync(
        delivery,
        kiss => kiss.Entity<AppTodo>(t =>
        {
            t.HasIdentity(x => x.OwnerEmail);
            t.OnAdded().Record("Created Todo");
            var deleted = t.OnDeleted().IdentifiedBy<ICurrentUser>(user => user.Email);
            deleted.Record("Deleted Todo").With("title", x => x.Title);
            deleted.Set("last deleted todo", x => x.Title);
            t.OnDeleted().Record("Lost Todo").With("title", x => x.Title);
        }),
        o => o.Services = app =>
        {
            services?.Invoke(app);

            // Scoped, as an ASP.NET Core app's current user is: one per request.
            app.AddScoped<CurrentUser>();
            app.AddScoped<ICurrentUser>(sp => sp.GetRequiredService<CurrentUser>());
        });

    private static async Task DeleteAsync(AppHost host, bool async, string title, string actingUser)
    {
        using var scope = host.OpenScope();
        scope.Services.GetRequiredService<CurrentUser>().Email = actingUser;
        scope.Db.Todos.Remove(await scope.Db.Todos.SingleAsync(t => t.Title == title));
        await SaveAsync(scope.Db, async);
    }

    private static async Task<string[]> TitlesAsync(AppHost host)
    {
        await using var check = new AppShopContext(new DbContextOptionsBuilder<AppShopContext>().UseSqlite(host.Database.ConnectionString).Options);
        return await check.Todos.Select(t => t.Title ?? "").ToArrayAsync();
    }

    /// <summary>A KissEf warning 1001 naming the entity, the service, the trigger and the call; no identity in any log entry.</summary>
    private static void AssertWarned(AppHost host, string service, string call)
    {
        // The property set of the same trigger may be warned about too; every warning is about the service.
        var warnings = host.Logs.WithEventId(CallSkipped).Where(e => e.Category.StartsWith("KissEf", StringComparison.Ordinal)).ToList();
        Assert.True(warnings.Count > 0, $"No KissEf warning {CallSkipped}. Logged:{Environment.NewLine}{host.Logs}");
        Assert.All(warnings, w =>
        {
            Assert.Equal(LogLevel.Warning, w.Level);
            Assert.Contains(nameof(AppTodo), w.Message, StringComparison.Ordinal);
            Assert.Contains(service, w.Message, StringComparison.Ordinal);
            Assert.Contains("OnDeleted", w.Message, StringComparison.Ordinal);
        });
        Assert.Single(warnings, w => w.Message.Contains(call, StringComparison.Ordinal));
        foreach (var entry in host.Logs.Entries)
        {
            Assert.DoesNotContain("ann@example.com", entry.FullText, StringComparison.Ordinal);
            Assert.DoesNotContain("cy@example.com", entry.FullText, StringComparison.Ordinal);
        }
    }
}
