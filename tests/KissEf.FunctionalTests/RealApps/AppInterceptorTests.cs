using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using static KissEf.Tests.Support.SyncOrAsync;

namespace KissEf.Tests.RealApps;

/// <summary>
/// Issue 7, item 1: what the application's own SavingChanges interceptors change or add is tracked as saved, whether
/// the interceptor enumerates the change tracker (running DetectChanges before it changes anything) or not, and
/// wherever it is registered: before UseKissTracking, after it, or resolved from DI.
/// </summary>
public sealed class AppInterceptorTests
{
    public enum Registration
    {
        Before,
        After,
        FromDi,
    }

    public enum Kind
    {
        /// <summary><see cref="AuditInterceptor"/>: enumerates ChangeTracker.Entries(), then stamps and adds.</summary>
        Enumerating,

        /// <summary><see cref="StampingInterceptor"/>: reads nothing, stamps a given entity and calls context.Add.</summary>
        NotEnumerating,
    }

    public static TheoryData<Kind, Registration, Delivery, bool> Cases
    {
        get
        {
            var data = new TheoryData<Kind, Registration, Delivery, bool>();
            foreach (var kind in Enum.GetValues<Kind>())
            {
                foreach (var registration in Enum.GetValues<Registration>())
                {
                    foreach (var delivery in Enum.GetValues<Delivery>())
                    {
                        data.Add(kind, registration, delivery, false);
                        data.Add(kind, registration, delivery, true);
                    }
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_member_an_interceptor_stamps_fires_OnChanged_and_the_entity_it_adds_fires_OnAdded(
        Kind kind, Registration registration, Delivery delivery, bool async)
    {
        var stamper = new StampingInterceptor();
        await using var host = await StartAsync(kind, registration, delivery, stamper);
        await host.AddAsync(new AppCustomer { Email = "ann@example.com", Name = "Ann" });
        await host.FlushAndResetAsync();

        using (var scope = host.OpenScope())
        {
            var ann = await scope.Db.Customers.SingleAsync();
            if (kind == Kind.Enumerating)
            {
                // The audit interceptor stamps modified entities: the app changes something.
                ann.Name = "Annie";
            }
            else
            {
                // The stamping interceptor is the only one to change the customer.
                var instance = registration == Registration.FromDi ? scope.Services.GetRequiredService<StampingInterceptor>() : stamper;
                instance.Target = ann;
            }

            await SaveAsync(scope.Db, async);
        }

        var name = kind == Kind.Enumerating ? "Annie" : "Ann";
        var calls = await host.FlushedCallsAsync();
        Assert.True(calls.Count == 3, calls.Describe());
        CallAssert.Is(
            Assert.Single(calls.Events("Stamped")),
            "/e",
            ("_p", "ann@example.com"),
            ("_n", "Stamped"),
            ("by", AuditInterceptor.Actor),
            ("at", "2026-03-14T15:09:26Z"),
            ("name", name));
        CallAssert.Is(
            Assert.Single(calls.Events("Customer Updated")),
            "/e",
            ("_p", "ann@example.com"),
            ("_n", "Customer Updated"),
            ("by", AuditInterceptor.Actor));

        // The audit row's store-generated key, as saved.
        CallAssert.Is(
            Assert.Single(calls.Events("Audited")),
            "/e",
            ("_p", AuditInterceptor.Actor),
            ("_n", "Audited"),
            ("entity", nameof(AppCustomer)),
            ("action", "Modified"),
            ("audit id", "1"));

        // The database holds what the calls say.
        await using var check = new AppShopContext(new DbContextOptionsBuilder<AppShopContext>().UseSqlite(host.Database.ConnectionString).Options);
        var stored = await check.Customers.SingleAsync();
        Assert.Equal(AuditInterceptor.Actor, stored.UpdatedBy);
        Assert.Equal(1, await check.AuditEntries.CountAsync());
    }

    [Theory]
    [InlineData(Registration.Before, Delivery.Outbox, false)]
    [InlineData(Registration.Before, Delivery.Direct, true)]
    [InlineData(Registration.After, Delivery.Outbox, true)]
    [InlineData(Registration.After, Delivery.Direct, false)]
    [InlineData(Registration.FromDi, Delivery.Outbox, false)]
    [InlineData(Registration.FromDi, Delivery.Direct, true)]
    public async Task An_enumerating_audit_interceptor_in_a_save_of_several_entities_stamps_and_audits_each(
        Registration registration, Delivery delivery, bool async)
    {
        await using var host = await StartAsync(Kind.Enumerating, registration, delivery, new StampingInterceptor());
        await host.AddAsync(new AppCustomer { Email = "ann@example.com", Name = "Ann" }, new AppCustomer { Email = "bob@example.com", Name = "Bob" });
        await host.FlushAndResetAsync();

        using (var scope = host.OpenScope())
        {
            foreach (var customer in await scope.Db.Customers.ToListAsync())
            {
                customer.Name += "!";
            }

            // An added entity is not stamped (not modified) but is tracked as added.
            scope.Db.Customers.Add(new AppCustomer { Email = "cy@example.com", Name = "Cy" });
            await SaveAsync(scope.Db, async);
        }

        var calls = await host.FlushedCallsAsync();
        Assert.Equal(["ann@example.com", "bob@example.com"], calls.Events("Stamped").Select(c => c.Get("_p")).Order(StringComparer.Ordinal));
        Assert.All(calls.Events("Stamped"), c => Assert.Equal(AuditInterceptor.Actor, c.Get("by")));
        Assert.Equal(["1", "2"], calls.Events("Audited").Select(c => c.Get("audit id")).Order(StringComparer.Ordinal));
        Assert.Equal("cy@example.com", Assert.Single(calls.Events("Signed Up")).Get("_p"));
        Assert.Equal(2, calls.Events("Customer Updated").Count);
        Assert.Equal(7, calls.Count);
    }

    public static TheoryData<Kind, Delivery, bool> AutoDetectOffCases
    {
        get
        {
            var data = new TheoryData<Kind, Delivery, bool>();
            foreach (var kind in Enum.GetValues<Kind>())
            {
                foreach (var delivery in Enum.GetValues<Delivery>())
                {
                    data.Add(kind, delivery, false);
                    data.Add(kind, delivery, true);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(AutoDetectOffCases))]
    public async Task With_AutoDetectChanges_off_what_an_interceptor_sets_through_entries_and_adds_is_tracked(Kind kind, Delivery delivery, bool async)
    {
        // EF detects nothing in this save: the app and its interceptor change values through the entries.
        var stamper = new StampingInterceptor(throughEntries: true);
        await using var host = await StartAsync(kind, Registration.After, delivery, stamper, new AuditInterceptor(throughEntries: true));
        await host.AddAsync(new AppCustomer { Email = "ann@example.com", Name = "Ann" });
        await host.FlushAndResetAsync();

        using (var scope = host.OpenScope())
        {
            var db = scope.Db;
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            var ann = await db.Customers.SingleAsync();
            if (kind == Kind.Enumerating)
            {
                db.Entry(ann).Property(c => c.Name).CurrentValue = "Annie";
            }
            else
            {
                stamper.Target = ann;
            }

            await SaveAsync(db, async);
        }

        var calls = await host.FlushedCallsAsync();
        Assert.True(calls.Count == 3, calls.Describe());
        CallAssert.Is(
            Assert.Single(calls.Events("Stamped")),
            "/e",
            ("_p", "ann@example.com"),
            ("_n", "Stamped"),
            ("by", AuditInterceptor.Actor),
            ("at", "2026-03-14T15:09:26Z"),
            ("name", kind == Kind.Enumerating ? "Annie" : "Ann"));
        Assert.Single(calls.Events("Customer Updated"));
        Assert.Equal("1", Assert.Single(calls.Events("Audited")).Get("audit id"));
    }

    [Theory]
    [MemberData(nameof(AppModes.All), MemberType = typeof(AppModes))]
    public async Task An_enumerating_audit_interceptor_inside_a_user_transaction_is_tracked_for_every_save(Delivery delivery, bool async)
    {
        await using var host = await StartAsync(Kind.Enumerating, Registration.Before, delivery, new StampingInterceptor());
        await host.AddAsync(new AppCustomer { Email = "ann@example.com", Name = "Ann" }, new AppCustomer { Email = "bob@example.com", Name = "Bob" });
        await host.FlushAndResetAsync();

        using (var scope = host.OpenScope())
        {
            var db = scope.Db;
            await using var tx = await BeginAsync(db, async);
            (await db.Customers.SingleAsync(c => c.Email == "ann@example.com")).Name = "Annie";
            await SaveAsync(db, async);
            (await db.Customers.SingleAsync(c => c.Email == "bob@example.com")).Name = "Bobby";
            await SaveAsync(db, async);
            await CommitAsync(tx, async);
        }

        var calls = await host.FlushedCallsAsync();
        Assert.True(calls.Count == 6, calls.Describe());
        Assert.Equal("Annie", Assert.Single(calls.Events("Stamped"), c => c.Get("_p") == "ann@example.com").Get("name"));
        Assert.Equal("Bobby", Assert.Single(calls.Events("Stamped"), c => c.Get("_p") == "bob@example.com").Get("name"));
        Assert.Equal(["1", "2"], calls.Events("Audited").Select(c => c.Get("audit id")).Order(StringComparer.Ordinal));
    }

    private static Task<AppHost> StartAsync(Kind kind, Registration registration, Delivery delivery, StampingInterceptor stamper, AuditInterceptor? audit = null)
        => AppHost.StartAsync(
            delivery,
            kiss => kiss
                .Entity<AppCustomer>(c =>
                {
                    c.HasIdentity(x => x.Email);
                    c.OnAdded().Record("Signed Up");
                    c.OnChanged(x => x.UpdatedBy).Record("Stamped")
                        .With("by", x => x.UpdatedBy)
                        .With("at", x => x.UpdatedAt)
                        .With("name", x => x.Name);
                    c.OnModified().Record("Customer Updated").With("by", x => x.UpdatedBy);
                })
                .Entity<AuditEntry>(a =>
                {
                    a.HasIdentity(x => x.Actor);
                    a.OnAdded().Record("Audited")
                        .With("entity", x => x.EntityName)
                        .With("action", x => x.Action)
                        .With("audit id", x => x.Id);
                }),
            o =>
            {
                o.Services = services =>
                {
                    services.AddScoped<AuditInterceptor>();
                    services.AddScoped<StampingInterceptor>();
                };
                Func<IServiceProvider, IInterceptor[]> instance = kind == Kind.Enumerating
                    ? _ => [audit ?? new AuditInterceptor()]
                    : _ => [stamper];
                Func<IServiceProvider, IInterceptor[]> fromDi = kind == Kind.Enumerating
                    ? sp => [sp.GetRequiredService<AuditInterceptor>()]
                    : sp => [sp.GetRequiredService<StampingInterceptor>()];
                switch (registration)
                {
                    case Registration.Before:
                        o.InterceptorsBefore = instance;
                        break;
                    case Registration.After:
                        o.InterceptorsAfter = instance;
                        break;
                    default:
                        o.InterceptorsAfter = fromDi;
                        break;
                }
            });
}
