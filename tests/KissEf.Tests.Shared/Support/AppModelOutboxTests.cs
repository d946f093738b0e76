using System.Data.Common;
using KissEf.Internal.Outbox;
using KissEf.Internal.Providers;
using KissEf.Outbox;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support.Tenants;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Support;

/// <summary>
/// Issue 17, item 1: KissEf's table is KissEf's. An application's model building that touches every entity type (a
/// tenant's required shadow column and a filter that throws without a tenant, a soft-delete flag, audit columns, a
/// maximum length for every string) leaves KissEf's entity as KissEf configures it; every query of KissEf ignores query
/// filters; a failed write of the outbox says the database's reason, and suggests a migration only for a missing table.
/// The tests of one database: <c>KissEf.FunctionalTests</c> runs them on SQLite files, <c>KissEf.PostgreSql.Tests</c>
/// on the private PostgreSQL server.
/// </summary>
public abstract class AppModelOutboxTests : OutboxTestBase
{
    /// <summary>How the test application's model building touches every entity type.</summary>
    public enum AppModel
    {
        /// <summary>A finalizing convention added in ConfigureConventions makes every entity type multi-tenant.</summary>
        TenantConvention,

        /// <summary>A loop over the model in OnModelCreating makes every entity type multi-tenant.</summary>
        TenantLoop,

        /// <summary>A convention adds a soft-delete flag and audit columns to every entity type as it is added.</summary>
        SoftDeleteAudit,
    }

    /// <summary>The columns of KissEf's table, whatever the application's model building did.</summary>
    private static readonly string[] KissEfColumns =
        ["attempts", "call_count", "calls", "created_at", "dead_at", "id", "last_error", "lease_expires_at", "lease_owner", "next_attempt_at"];

    protected abstract Provider Provider { get; }

    [Theory]
    [InlineData(AppModel.TenantConvention)]
    [InlineData(AppModel.TenantLoop)]
    [InlineData(AppModel.SoftDeleteAudit)]
    public Task Saves_commit_and_their_calls_are_delivered_inside_and_outside_a_tenant_whatever_the_app_does_to_every_entity(AppModel model)
        => model switch
        {
            AppModel.TenantConvention => SavesCommitAndAreDeliveredAsync<ConventionTenantContext>(),
            AppModel.TenantLoop => SavesCommitAndAreDeliveredAsync<LoopTenantContext>(),
            _ => SavesCommitAndAreDeliveredAsync<SoftDeleteAuditContext>(),
        };

    [Fact]
    public async Task KissEfs_own_rows_skip_an_applications_SaveChanges_that_stamps_every_added_entry()
    {
        var connection = await Providers.CreateDatabaseAsync(Provider, Database);
        await using var host = new TenantConventionHost<BlindStampTenantContext>(connection, Server.Endpoint);
        await host.WithContextAsync(db => db.Database.EnsureCreatedAsync());

        // One save, one row of three calls: ann's refused for good (400), bob's failing once (500), carl's delivered. The
        // settle then writes a dead row of its own for ann's call, in KissEf's own context of the application's type.
        var (ann, bob, carl) = (OutboxTestHost.EmailOf("ann"), OutboxTestHost.EmailOf("bob"), OutboxTestHost.EmailOf("carl"));
        Server.SetResponder((call, attempt) => call.Get("_p") switch
        {
            var p when p == ann => new FakeResponse(400),
            var p when p == bob && attempt == 1 => new FakeResponse(500),
            _ => null,
        });
        await host.AddCustomersAsync("t1", OutboxTestHost.Customer("ann"), OutboxTestHost.Customer("bob"), OutboxTestHost.Customer("carl"));
        await OutboxCalls.EventuallyAsync(
            async () =>
            {
                await host.Dispatcher.FlushAsync();
                var state = await host.Outbox.GetStateAsync();
                return (state.PendingCalls, state.DeadCalls) == (0, 1);
            },
            TimeSpan.FromSeconds(30),
            async () => $"state {await host.Outbox.GetStateAsync()}; logs: {string.Join(" | ", host.Logs.Entries.Select(e => e.Message))}");
        Assert.Equal([bob, carl], Server.Calls.Select(c => c.Get("_p")).Order(StringComparer.Ordinal));

        // A backfill writes its checkpoint row in KissEf's own context too.
        Server.SetResponder(null);
        using (host.Tenants.Enter("t1"))
        {
            var report = await host.WithContextAsync(db => host.Services.GetRequiredService<IKissBackfill>().EnqueueAsync(db.Customers));
            Assert.Equal(3, report.RowsRead);
        }

        // The only error is the dead row's own report, naming its row.
        var error = Assert.Single(host.Logs.Errors);
        Assert.Equal(KissEfEventId.OutboxRowDead, error.EventId.Id);
    }

    [Fact]
    public async Task A_table_that_refuses_the_row_fails_the_save_with_the_databases_reason_and_no_migration_advice()
    {
        await using var host = await CreateHostAsync(Provider);
        await host.EnsureCreatedAsync();

        // The table as a migration made while the application's convention put a required TenantId on KissEf's entity
        // left it: KissEf's INSERT does not set that column.
        await host.WithContextAsync(db => db.Database.ExecuteSqlRawAsync(Provider == Provider.Sqlite
            ? "DROP TABLE kiss_outbox; CREATE TABLE kiss_outbox (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, calls TEXT NOT NULL, " +
              "call_count INTEGER NOT NULL, created_at INTEGER NOT NULL, attempts INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL, " +
              "lease_owner TEXT NULL, lease_expires_at INTEGER NOT NULL, last_error TEXT NULL, dead_at INTEGER NULL, \"TenantId\" TEXT NOT NULL)"
            : "ALTER TABLE kiss_outbox ADD COLUMN \"TenantId\" text NOT NULL"));

        var error = await SaveFailsAsync(host);

        Assert.Contains("the database refused them", error.Message, StringComparison.Ordinal);
        Assert.Contains(Provider == Provider.Sqlite ? "SQLite Error 19: 'NOT NULL constraint failed: kiss_outbox.TenantId'" : "23502: null value in column \"TenantId\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("none of its calls was written", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("migrations add", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<DbException>(error.InnerException);
        Assert.Equal(0, await OutboxRows.CountCustomersAsync(host));
    }

    [Theory]
    [InlineData("DROP TABLE kiss_outbox")]
    [InlineData("ALTER TABLE kiss_outbox DROP COLUMN attempts")]
    public async Task A_missing_table_or_column_fails_the_save_with_the_advice_to_add_it(string sql)
    {
        await using var host = await CreateHostAsync(Provider);
        await host.EnsureCreatedAsync();
        await host.WithContextAsync(db => db.Database.ExecuteSqlRawAsync(sql));

        var error = await SaveFailsAsync(host);

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("dotnet ef migrations add AddKissOutbox", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await OutboxRows.CountCustomersAsync(host));
    }

    [Fact]
    public async Task KissEfs_queries_ignore_a_query_filter_on_the_outbox_inside_and_outside_a_tenant()
    {
        // A context that maps KissEf's entity itself, with a filter that throws without a tenant, and no KissEf: no guard
        // takes the filter off. What KissEf's queries do with it is what they would do if a filter got through.
        var connection = await Providers.CreateDatabaseAsync(Provider, Database);
        var services = new ServiceCollection()
            .AddSingleton<TenantAccessor>()
            .AddDbContext<FilteredOutboxContext>(db => db.Use(Provider, connection))
            .BuildServiceProvider();
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FilteredOutboxContext>();
        await db.Database.EnsureCreatedAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        db.AddRange(Enumerable.Range(0, 2).Select(i => new KissOutboxMessage { Calls = $"e?_p={i}", CallCount = 1, CreatedAt = now, NextAttemptAt = now }));
        await db.SaveChangesAsync();
        var tenants = services.GetRequiredService<TenantAccessor>();
        using (tenants.Enter("t1"))
        {
            // Inside a tenant the filter reads the tenant and the application sees the rows; outside, it throws.
            Assert.Equal(2, await db.Set<KissOutboxMessage>().CountAsync());
        }

        await Assert.ThrowsAsync<NullReferenceException>(() => db.Set<KissOutboxMessage>().CountAsync());

        foreach (var tenant in new[] { null, "t1" })
        {
            using var entered = tenant is null ? null : tenants.Enter(tenant);
            if (tenant is not null)
            {
                // The other pass rescheduled one row and deleted the other: one more makes two due rows again.
                db.Add(new KissOutboxMessage { Calls = "e?_p=2", CallCount = 1, CreatedAt = now, NextAttemptAt = now });
                await db.SaveChangesAsync();
            }

            var claimed = await KissOutboxStore.ClaimAsync(new KissOutboxProviders(), db, "owner", now, now + 60_000, 10, CancellationToken.None);
            Assert.Equal(2, claimed.Count);
            Assert.Equal(2, await KissOutboxStore.RenewAsync(db, "owner", [.. claimed.Select(r => r.Id)], now + 120_000, CancellationToken.None));
            Assert.Equal(now + 120_000, await KissOutboxStore.NextDueAsync(db, CancellationToken.None));
            Assert.Equal(2, await KissOutboxStore.ReleaseAsync(db, "owner", CancellationToken.None));
            claimed = await KissOutboxStore.ClaimAsync(new KissOutboxProviders(), db, "owner", now, now + 60_000, 10, CancellationToken.None);
            Assert.Equal(1, await KissOutboxStore.RescheduleAsync(db, "owner", claimed[0], claimed[0].Calls, 1, now, "retry", null, CancellationToken.None));
            Assert.Equal(1, await KissOutboxStore.DeleteAsync(db, "owner", [claimed[1].Id], CancellationToken.None));
            var own = await KissOwnContext.OpenAsync(services, typeof(FilteredOutboxContext), null, null, CancellationToken.None);
            await using (own)
            {
                Assert.Equal(1, await own.Rows.CountAsync());
            }
        }
    }

    private async Task SavesCommitAndAreDeliveredAsync<TContext>()
        where TContext : TenantAppContext
    {
        var connection = await Providers.CreateDatabaseAsync(Provider, Database);
        await using var host = new TenantConventionHost<TContext>(connection, Server.Endpoint);
        var tenantColumn = await host.WithContextAsync(async db =>
        {
            await db.Database.EnsureCreatedAsync();
            AssertOutboxIsKissEfs(db);
            return db.Model.FindEntityType(typeof(OutboxCustomer))!.FindProperty(TenantModel.Column) is not null;
        });

        await host.AddCustomersAsync("t1", OutboxTestHost.Customer("t1-ann"), OutboxTestHost.Customer("t1-bob"));
        await host.AddCustomersAsync("t2", OutboxTestHost.Customer("t2-ann"));

        // The operator's view and a flush that sends in the calling task (the host is not started), outside and inside a tenant.
        Assert.Equal(3, (await host.Outbox.GetStateAsync()).PendingCalls);
        using (host.Tenants.Enter("t1"))
        {
            Assert.Equal(3, (await host.Outbox.GetStateAsync()).PendingCalls);
            await host.Dispatcher.FlushAsync();
        }

        Assert.Equal(3, Server.Calls.Count);

        // The dispatcher, whose context has no tenant, delivers the next save; the flush outside a tenant waits for it.
        await host.StartAsync();
        await host.AddCustomersAsync("t2", OutboxTestHost.Customer("t2-bob"));
        await host.Dispatcher.FlushAsync();
        var state = await host.Outbox.GetStateAsync();
        Assert.Equal((0, 0), (state.PendingCalls, state.DeadCalls));
        using (host.Tenants.Enter("t2"))
        {
            await host.StopAsync();
        }

        OutboxCalls.AssertSameCalls(
            new[] { "t1-ann", "t1-bob", "t2-ann", "t2-bob" }.Select(k => OutboxCalls.SignedUp(k)),
            Server.Calls.Select(OutboxCalls.KeyOf));
        Assert.Empty(host.Logs.Kiss.Where(e => e.Level >= LogLevel.Warning));

        // The application's model building did its work on the application's entities.
        using (host.Tenants.Enter("t1"))
        {
            Assert.Equal(tenantColumn ? 2 : 4, await host.WithContextAsync(db => db.Customers.CountAsync()));
        }
    }

    private static void AssertOutboxIsKissEfs(TenantAppContext db)
    {
        var customer = db.Model.FindEntityType(typeof(OutboxCustomer))!;
        Assert.NotEmpty(customer.GetDeclaredQueryFilters());
        Assert.Contains(customer.GetProperties(), p => p.IsShadowProperty() && !p.IsKey());

        var outbox = db.Model.FindEntityType(typeof(KissOutboxMessage))!;
        Assert.Empty(outbox.GetDeclaredQueryFilters());
        Assert.DoesNotContain(outbox.GetAnnotations(), a => a.Name == TenantModel.Annotation);
        Assert.Equal(KissEfColumns, outbox.GetProperties().Select(p => p.GetColumnName()).Order(StringComparer.Ordinal));
        Assert.Equal(["Id"], outbox.FindPrimaryKey()!.Properties.Select(p => p.Name));
        Assert.Equal(["NextAttemptAt"], Assert.Single(outbox.GetIndexes()).Properties.Select(p => p.Name));
        Assert.Null(outbox.FindProperty(nameof(KissOutboxMessage.Calls))!.GetMaxLength());
        Assert.Null(outbox.FindProperty(nameof(KissOutboxMessage.CreatedAt))!.FindAnnotation(RelationalAnnotationNames.ColumnType));
        if (db is LoopTenantContext)
        {
            // KissEf adds its entity when the model is finalized, after OnModelCreating: the loop never saw it.
            Assert.Contains(typeof(OutboxCustomer), LoopTenantContext.Seen.Keys);
            Assert.DoesNotContain(typeof(KissOutboxMessage), LoopTenantContext.Seen.Keys);
        }
    }

    private static Task<InvalidOperationException> SaveFailsAsync(OutboxTestHost host)
        => host.WithContextAsync(async db =>
        {
            db.Customers.Add(OutboxTestHost.Customer("refused-1"));
            return await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
        });

    /// <summary>A context that maps KissEf's entity with a tenant filter of its own, as a user's could.</summary>
    public sealed class FilteredOutboxContext(DbContextOptions<FilteredOutboxContext> options, TenantAccessor tenants) : TenantAppContext(options, tenants)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
        {
            base.OnModelCreating(modelBuilder);
            modelBuilder.Entity<KissOutboxMessage>().ToTable("kiss_outbox").HasQueryFilter(m => TenantInfo!.Id != null);
        }
    }
}
