using System.Text;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using static KissEf.Tests.Support.SyncOrAsync;

namespace KissEf.Tests.RealApps;

/// <summary>
/// Issue 17, item 3: <c>HasIdentity&lt;TService&gt;((entity, service) =&gt; …)</c> qualifies a person with the tenant of
/// the saving context's scope, so that the same e-mail in three tenants is three persons at the vendor. Members carry
/// their tenant only in a shadow property the application stamps at save (as fullstackhero's do), so the map reads the
/// tenant from the scoped <see cref="ITenantContext"/>. The service is resolved as <c>IdentifiedBy</c>'s is: a service
/// that is not registered costs that entity's calls (warning 1001), never the save.
/// </summary>
public sealed class TenantPersonTests
{
    private const int CallSkipped = 1001;
    private const int BackfillSkipped = 1005;
    private static readonly string[] Tenants = ["acme", "globex", "initech"];
    private static readonly DateTimeOffset Joined = new(2025, 2, 3, 4, 5, 6, TimeSpan.Zero);
    private static readonly DateTimeOffset SaveTime = new(2026, 6, 1, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task Three_tenants_adding_the_same_email_are_three_persons_and_no_call_is_shifted(Delivery delivery, bool async)
    {
        await using var host = await StartAsync(delivery, QualifiedMap);

        await AddMembersOfEveryTenantAsync(host, async);

        var signedUp = (await host.FlushedCallsAsync()).Events("Signed Up");
        Assert.True(signedUp.Count == 6, signedUp.Describe());
        var persons = signedUp.Select(c => c.Get("_p") ?? "").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            [
                "acme:ann@example.com", "acme:bob@acme.test",
                "globex:ann@example.com", "globex:bob@globex.test",
                "initech:ann@example.com", "initech:bob@initech.test",
            ],
            persons);

        // Six persons, one event each in the same second (At: the day they joined): nothing for the distinct-_t rule
        // to move, though every save was in one second of the process's clock.
        Assert.All(signedUp, c => Assert.Equal(CallAssert.UnixSeconds(Joined), c.Get("_t")));

        // The tenant the map read from the scope is the one the application stamped on the row's shadow property.
        Assert.Equal(persons, await TenantsAndEmailsAsync(host));
        Assert.Empty(host.Logs.WithEventId(CallSkipped));
    }

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task Without_the_tenant_the_same_email_is_one_person_whose_calls_the_distinct_t_rule_shifts(Delivery delivery, bool async)
    {
        // What the maps page says a multi-tenant app should not do.
        await using var host = await StartAsync(delivery, kiss => kiss.Entity<AppMember>(m =>
        {
            m.HasIdentity(x => x.Email);
            m.OnAdded().Record("Signed Up");
        }));

        await AddMembersOfEveryTenantAsync(host, async);

        var ann = (await host.FlushedCallsAsync()).Events("Signed Up").Where(c => c.Get("_p") == "ann@example.com").ToList();
        Assert.Equal(3, ann.Count);
        var start = SaveTime.ToUnixTimeSeconds();
        Assert.Equal([start, start + 1, start + 2], ann.Select(c => long.Parse(c.Get("_t")!, System.Globalization.CultureInfo.InvariantCulture)).Order());
    }

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task A_changed_member_is_its_tenants_person_as_saved_and_a_deleted_one_as_it_was(Delivery delivery, bool async)
    {
        await using var host = await StartAsync(delivery, QualifiedMap);
        await AddMembersOfEveryTenantAsync(host, async);
        await host.FlushAndResetAsync();

        using (var scope = OpenTenantScope(host, "globex"))
        {
            var ann = await scope.Db.Members.SingleAsync(m => m.Email == "ann@example.com" && EF.Property<string>(m, AppMember.TenantId) == "globex");
            ann.Email = "ann@globex.test";
            await SaveAsync(scope.Db, async);
        }

        // Changed, then deleted in one save: the deletion's person is the row's as it was in the database.
        using (var scope = OpenTenantScope(host, "acme"))
        {
            var ann = await scope.Db.Members.SingleAsync(m => m.Email == "ann@example.com" && EF.Property<string>(m, AppMember.TenantId) == "acme");
            ann.Email = "someone@else.test";
            scope.Db.Members.Remove(ann);
            await SaveAsync(scope.Db, async);
        }

        var calls = await host.FlushedCallsAsync();
        Assert.True(calls.Count == 2, calls.Describe());
        CallAssert.Is(Assert.Single(calls.Events("Changed Email")), "/e", ("_p", "globex:ann@globex.test"), ("_n", "Changed Email"));
        CallAssert.Is(Assert.Single(calls.Events("Left")), "/e", ("_p", "acme:ann@example.com"), ("_n", "Left"));
    }

    [Fact]
    public async Task A_row_of_another_tenant_is_qualified_with_the_saving_scopes_tenant_and_aliases_keep_their_own_sides()
    {
        // What the maps page warns about: the service says the scope's tenant, and an alias aliases the member's values.
        await using var host = await StartAsync(Delivery.Outbox, kiss =>
        {
            QualifiedMap(kiss);
            kiss.Entity<AppMember>(m => m.AliasOnChange(x => x.Email));
        });
        await AddMembersOfEveryTenantAsync(host, async: true);
        await host.FlushAndResetAsync();

        using (var scope = OpenTenantScope(host, "initech"))
        {
            var bob = await scope.Db.Members.SingleAsync(m => m.Email == "bob@globex.test");
            bob.Email = "robert@globex.test";
            await scope.Db.SaveChangesAsync();
        }

        var calls = await host.FlushedCallsAsync();
        Assert.True(calls.Count == 2, calls.Describe());
        CallAssert.Is(Assert.Single(calls.Events("Changed Email")), "/e", ("_p", "initech:robert@globex.test"), ("_n", "Changed Email"));
        CallAssert.Is(CallAssert.OnlyTo(calls, "/a"), "/a", ("_p", "bob@globex.test"), ("_n", "robert@globex.test"));
    }

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task A_service_that_is_not_registered_leaves_that_entitys_calls_out_warns_and_the_save_commits(Delivery delivery, bool async)
    {
        await using var host = await StartAsync(delivery, kiss => kiss
            .Entity<AppMember>(m =>
            {
                m.HasIdentity<ITenantAdmin>((x, admin) => admin.Email + ":" + x.Email);
                m.OnAdded().Record("Signed Up");

                // A person of its own: not the entity's identity, so not left out with it.
                m.OnAdded().IdentifiedBy<ITenantContext>(t => t.Id).Record("Tenant Grew");
            })
            .Entity<AppTodo>(t =>
            {
                t.HasIdentity(x => x.OwnerEmail);
                t.OnAdded().Record("Created Todo");
            }));

        using (var scope = OpenTenantScope(host, "acme"))
        {
            scope.Db.Members.Add(new AppMember { Email = "ann@example.com", JoinedAt = Joined });
            scope.Db.Todos.Add(new AppTodo { Title = "First", OwnerEmail = "cy@example.com" });
            await SaveAsync(scope.Db, async);
        }

        var calls = await host.FlushedCallsAsync();
        Assert.True(calls.Count == 2, calls.Describe());
        CallAssert.Is(Assert.Single(calls.Events("Created Todo")), "/e", ("_p", "cy@example.com"), ("_n", "Created Todo"));
        CallAssert.Is(Assert.Single(calls.Events("Tenant Grew")), "/e", ("_p", "acme"), ("_n", "Tenant Grew"));
        Assert.Equal(["acme:ann@example.com"], await TenantsAndEmailsAsync(host));

        // One decision, logged: the entity, the call, the service and the identity expression; never the identity.
        var warning = Assert.Single(host.Logs.WithEventId(CallSkipped));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("/e \"Signed Up\" of AppMember (OnAdded())", warning.Message, StringComparison.Ordinal);
        Assert.Contains("the service ITenantAdmin of HasIdentity<ITenantAdmin> is not registered in the context's application services", warning.Message, StringComparison.Ordinal);
        Assert.Contains("(identity (x, admin) => ((admin.Email + \":\") + x.Email))", warning.Message, StringComparison.Ordinal);
        Assert.All(host.Logs.Entries, e => Assert.DoesNotContain("ann@example.com", e.FullText, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_pooled_context_resolves_the_tenant_from_the_root_provider_where_only_a_singleton_accessor_knows_the_request(bool singletonAccessor)
    {
        var ambient = new AmbientTenant();
        await using var host = await TestHost.StartAsync(
            Delivery.Outbox,
            kiss => kiss.Entity<ShopCustomer>(c =>
            {
                c.HasIdentity<ITenantContext>((x, t) => t.Id == null ? null : $"{t.Id}:{x.Email}");
                c.OnAdded().Record("Signed Up");
            }),
            o =>
            {
                o.Pool = true;
                o.Services = app =>
                {
                    app.AddScoped<TenantContext>();
                    if (singletonAccessor)
                    {
                        app.AddSingleton<ITenantContext>(ambient);
                    }
                    else
                    {
                        app.AddScoped<ITenantContext>(sp => sp.GetRequiredService<TenantContext>());
                    }
                };
            });

        using (var scope = host.OpenScope())
        {
            scope.Services.GetRequiredService<TenantContext>().Id = "acme";
            ambient.Current.Value = "acme";
            scope.Db.Customers.Add(new ShopCustomer { Email = "ann@example.com" });
            await scope.Db.SaveChangesAsync();
        }

        // A pooled context's application services are the root provider: its scoped tenant is not the request's.
        var calls = await host.FlushedCallsAsync();
        if (singletonAccessor)
        {
            Assert.Equal("acme:ann@example.com", Assert.Single(calls).Get("_p"));
        }
        else
        {
            Assert.Empty(calls);
            Assert.Contains("the identity is null or empty", Assert.Single(host.Logs.WithEventId(CallSkipped)).Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_backfill_qualifies_each_row_with_the_tenant_of_its_querys_scope()
    {
        await using var host = await StartWithMembersOfEveryTenantAsync();
        var backfill = host.Services.GetRequiredService<IKissBackfill>();

        // One tenant's rows through the outbox, from a scope entered for that tenant.
        KissBackfillReport enqueued;
        using (var scope = OpenTenantScope(host, "globex"))
        {
            enqueued = await backfill.EnqueueAsync(scope.Db.Members.Where(m => EF.Property<string>(m, AppMember.TenantId) == "globex"));
        }

        var calls = await host.FlushedCallsAsync();
        Assert.Equal(2, enqueued.CallsWritten);
        Assert.Equal(["globex:ann@example.com", "globex:bob@globex.test"], calls.Events("Signed Up").Select(c => c.Get("_p") ?? "").Order(StringComparer.Ordinal));
        Assert.All(calls, c => Assert.Equal(CallAssert.UnixSeconds(Joined), c.Get("_t")));

        // Another tenant's as the vendor's import file.
        using var file = new MemoryStream();
        using (var scope = OpenTenantScope(host, "initech"))
        {
            await backfill.ExportAsync(scope.Db.Members.Where(m => EF.Property<string>(m, AppMember.TenantId) == "initech").OrderBy(m => m.Id), file);
        }

        var lines = Encoding.UTF8.GetString(file.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("{\"_p\":\"initech:ann@example.com\",\"_n\":\"Signed Up\"", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("{\"_p\":\"initech:bob@initech.test\",\"_n\":\"Signed Up\"", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_backfill_whose_query_has_no_tenant_or_no_application_services_leaves_the_rows_calls_out_and_says_why()
    {
        await using var host = await StartWithMembersOfEveryTenantAsync();
        var backfill = host.Services.GetRequiredService<IKissBackfill>();

        // A scope that entered no tenant: the map's identity is null there.
        KissBackfillReport noTenant;
        using (var scope = host.OpenScope())
        {
            noTenant = await backfill.ExportAsync(scope.Db.Members, Stream.Null);
        }

        // A context made without the application's services (new, not from DI): there is no tenant to resolve.
        KissBackfillReport noServices;
        await using (var bare = new AppShopContext(new DbContextOptionsBuilder<AppShopContext>()
            .UseSqlite(host.Database.ConnectionString).UseKissTracking(host.Services).Options))
        {
            noServices = await backfill.ExportAsync(bare.Members, Stream.Null);
        }

        Assert.Equal((6, 0), (noTenant.RowsRead, noTenant.CallsWritten));
        var (rule, count) = Assert.Single(noTenant.Skipped);
        Assert.Equal(6, count);
        Assert.StartsWith("/e \"Signed Up\" of AppMember (OnAdded()): the identity is null or empty (identity (x, t) => ", rule, StringComparison.Ordinal);

        Assert.Equal((6, 0), (noServices.RowsRead, noServices.CallsWritten));
        Assert.Contains(
            "the service ITenantContext of HasIdentity<ITenantContext> is not registered in the context's application services",
            Assert.Single(noServices.Skipped).Key,
            StringComparison.Ordinal);
        Assert.Equal(2, host.Logs.WithEventId(BackfillSkipped).Count);
        Assert.Empty(host.Server.AllRequests);
    }

    /// <summary>A singleton that knows the tenant of the current flow (what a pooled context needs), set by the test.</summary>
    private sealed class AmbientTenant : ITenantContext
    {
        public AsyncLocal<string?> Current { get; } = new();

        public string? Id => Current.Value;
    }

    /// <summary>The map the maps page recommends: the person qualified by the scope's tenant, none without one.</summary>
    private static void QualifiedMap(KissTrackingBuilder kiss) => kiss.Entity<AppMember>(m =>
    {
        m.HasIdentity<ITenantContext>((x, t) => t.Id == null ? null : $"{t.Id}:{x.Email}");
        m.OnAdded().Record("Signed Up").At(x => x.JoinedAt);
        m.OnChanged(x => x.Email).Record("Changed Email");
        m.OnDeleted().Record("Left");
    });

    /// <summary>Each tenant, in a scope (a request) of its own, adds ann@example.com and bob@&lt;tenant&gt;.test at <see cref="Joined"/>.</summary>
    private static async Task AddMembersOfEveryTenantAsync(AppHost host, bool async)
    {
        foreach (var tenant in Tenants)
        {
            using var scope = OpenTenantScope(host, tenant);
            scope.Db.Members.Add(new AppMember { Email = "ann@example.com", JoinedAt = Joined });
            scope.Db.Members.Add(new AppMember { Email = $"bob@{tenant}.test", JoinedAt = Joined });
            await SaveAsync(scope.Db, async);
        }
    }

    /// <summary>A host (on the real clock, which paces a backfill) whose tenants' members are saved and their calls sent.</summary>
    private static async Task<AppHost> StartWithMembersOfEveryTenantAsync()
    {
        var host = await StartAsync(Delivery.Outbox, QualifiedMap, stoppedClock: false);
        await AddMembersOfEveryTenantAsync(host, async: true);
        await host.FlushAndResetAsync();
        return host;
    }

    private static AppScope OpenTenantScope(AppHost host, string tenant)
    {
        var scope = host.OpenScope();
        scope.Services.GetRequiredService<TenantContext>().Id = tenant;
        return scope;
    }

    /// <summary>Every member row as "tenant:email", the tenant read from its shadow property in the database.</summary>
    private static async Task<string[]> TenantsAndEmailsAsync(AppHost host)
    {
        await using var check = new AppShopContext(new DbContextOptionsBuilder<AppShopContext>().UseSqlite(host.Database.ConnectionString).Options);
        var rows = await check.Members.Select(m => EF.Property<string>(m, AppMember.TenantId) + ":" + m.Email).ToListAsync();
        return [.. rows.Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// A host whose members are stamped with the scope's tenant; by default on a clock that stands still, so that every
    /// save of a test is in one second and the distinct-_t rule compares them all (a backfill, paced by the clock,
    /// needs the real one).
    /// </summary>
    private static Task<AppHost> StartAsync(Delivery delivery, Action<KissTrackingBuilder> maps, bool stoppedClock = true) => AppHost.StartAsync(
        delivery,
        maps,
        o =>
        {
            o.Services = app =>
            {
                if (stoppedClock)
                {
                    app.AddSingleton<TimeProvider>(new FakeTimeProvider(SaveTime));
                }

                // Scoped, as a multi-tenant app's tenant is: one per request.
                app.AddScoped<TenantContext>();
                app.AddScoped<ITenantContext>(sp => sp.GetRequiredService<TenantContext>());
            };
            o.InterceptorsBefore = sp => [new TenantStampInterceptor(sp.GetRequiredService<ITenantContext>())];
        });
}
