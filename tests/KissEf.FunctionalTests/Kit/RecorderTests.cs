using KissEf.Testing;
using KissEf.Tests.Infrastructure;
using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace KissEf.Tests.Kit;

/// <summary>
/// Issue 9, "Testing kit": a user's test of their own map with <c>UseRecorder()</c>: a real SQLite file, a Generic
/// Host, no key, no table, no server; the recorder holds what would have been sent.
/// </summary>
public sealed class RecorderTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 4, 5, 6, 7, 890, TimeSpan.Zero);

    private readonly SqliteDatabase _database = new();
    private readonly FakeTimeProvider _time = new(Now);
    private IHost _host = null!;

    private KissRecorder Recorder => _host.Services.GetRequiredService<KissRecorder>();

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddKissTracking(kiss => kiss
            .UseRecorder()
            .Entity<ShopCustomer>(c =>
            {
                c.HasIdentity(x => x.Email);
                c.OnAdded().Record("Signed Up").With("plan", x => x.Plan).With("vip", x => x.IsVip);
                c.OnChanged(x => x.Plan).Set("plan", x => x.Plan);
                c.AliasOnChange(x => x.Email);
            }));
        builder.Services.AddDbContext<TestShopContext>((sp, db) => db.UseSqlite(_database.ConnectionString).UseKissTracking(sp));
        _host = builder.Build();
        await _host.StartAsync();
        await WithContextAsync(db => db.Database.EnsureCreatedAsync());
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        _database.Dispose();
    }

    [Fact]
    public async Task A_committed_save_is_recorded_as_it_would_be_sent()
    {
        await WithContextAsync(async db =>
        {
            db.Customers.Add(new ShopCustomer { Email = "ann@example.com", Plan = "Gold", IsVip = true });
            await db.SaveChangesAsync();
        });

        var call = Assert.Single(Recorder.Calls);
        Assert.Equal(KissRecordedCallKind.Event, call.Kind);
        Assert.Equal("ann@example.com", call.Person);
        Assert.Equal("Signed Up", call.Name);
        Assert.Equal(new Dictionary<string, string> { ["plan"] = "Gold", ["vip"] = "true" }, call.Properties);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Now.ToUnixTimeSeconds()), call.Time);

        // Nothing was written to the database but the customer: no outbox table.
        Assert.False(OutboxRows.TableExists(_database));
    }

    [Fact]
    public async Task Sets_and_aliases_are_recorded_in_commit_order_and_Clear_forgets()
    {
        await WithContextAsync(async db =>
        {
            db.Customers.Add(new ShopCustomer { Email = "bob@example.com", Plan = "Free" });
            await db.SaveChangesAsync();
        });
        Recorder.Clear();
        Assert.Empty(Recorder.Calls);

        await WithContextAsync(async db =>
        {
            var bob = await db.Customers.SingleAsync();
            bob.Plan = "Gold";
            await db.SaveChangesAsync();
            bob.Email = "robert@example.com";
            await db.SaveChangesAsync();
        });

        Assert.Collection(
            Recorder.Calls,
            set =>
            {
                Assert.Equal((KissRecordedCallKind.Set, "bob@example.com", null), (set.Kind, set.Person, set.Name));
                Assert.Equal("Gold", set.Properties["plan"]);
            },
            alias =>
            {
                Assert.Equal((KissRecordedCallKind.Alias, "bob@example.com", "robert@example.com"), (alias.Kind, alias.Person, alias.Name));
                Assert.Empty(alias.Properties);
            });
    }

    [Fact]
    public async Task A_rolled_back_transaction_records_nothing_and_a_committed_one_records_at_the_commit()
    {
        await WithContextAsync(async db =>
        {
            await using (var tx = await db.Database.BeginTransactionAsync())
            {
                db.Customers.Add(new ShopCustomer { Email = "gone@example.com" });
                await db.SaveChangesAsync();
                await tx.RollbackAsync();
            }

            db.ChangeTracker.Clear();
            await using (var tx = await db.Database.BeginTransactionAsync())
            {
                db.Customers.Add(new ShopCustomer { Email = "kept@example.com" });
                await db.SaveChangesAsync();
                Assert.Empty(Recorder.Calls);
                await tx.CommitAsync();
            }
        });

        Assert.Equal("kept@example.com", Assert.Single(Recorder.Calls).Person);
    }

    [Fact]
    public async Task A_call_that_fails_validation_is_not_recorded_and_the_save_goes_on()
    {
        await WithContextAsync(async db =>
        {
            db.Customers.Add(new ShopCustomer { Email = null });
            Assert.Equal(1, await db.SaveChangesAsync());
        });

        Assert.Empty(Recorder.Calls);
    }

    [Fact]
    public async Task FlushAsync_completes_and_nothing_needs_a_key()
    {
        await _host.Services.GetRequiredService<IKissDispatcher>().FlushAsync();

        Assert.Null(_host.Services.GetService<IKissOutbox>());
    }

    private async Task WithContextAsync(Func<TestShopContext, Task> work)
    {
        using var scope = _host.Services.CreateScope();
        await work(scope.ServiceProvider.GetRequiredService<TestShopContext>());
    }
}
