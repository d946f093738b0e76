// The child process of the outbox crash test. Usage: KissEf.CrashHost <sqlite file> <tracking endpoint>
//
// It builds a host with KissEf's outbox (the default delivery) but never starts it, so its dispatcher never runs:
// every committed call stays in the outbox table. It commits tracked changes in every transaction shape, plus
// changes that must never be sent (a rollback, a transaction disposed without commit, failed saves), prints
// "COMMITTED <number of calls committed>" and then waits to be killed (or for its stdin to close, so that an
// orphan never outlives the test run).
using KissEf.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

if (args.Length == 3 && args[0] == "backfill")
{
    return await BackfillUntilKilledAsync(args[1], args[2]);
}

if (args.Length != 2)
{
    await Console.Error.WriteLineAsync("usage: KissEf.CrashHost <sqlite file> <tracking endpoint>");
    return 2;
}

var connectionString = new SqliteConnectionStringBuilder { DataSource = args[0], Pooling = false }.ToString();
var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
builder.Services.AddKissTracking(kiss => kiss.UseApiKey(OutboxShop.ApiKey).UseEndpoint(new Uri(args[1])).MapCustomers());
builder.Services.AddDbContext<OutboxShopContext>((sp, db) => db.UseSqlite(connectionString).UseKissTracking(sp));
using var host = builder.Build(); // Never started: the outbox dispatcher (a hosted service) does not run.

var committed = 0;

async Task InScopeAsync(Func<OutboxShopContext, Task> work)
{
    using var scope = host.Services.CreateScope();
    await work(scope.ServiceProvider.GetRequiredService<OutboxShopContext>());
}

static OutboxCustomer Customer(string key) => new() { Email = $"{key}@crash.test", Name = $"Customer {key}" };

await InScopeAsync(db => db.Database.EnsureCreatedAsync());

// 1. SaveChanges' own transaction, 150 calls (two chunk rows).
await InScopeAsync(async db =>
{
    db.Customers.AddRange(Enumerable.Range(0, 150).Select(i => Customer($"crash-{i}")));
    committed += 150;
    await db.SaveChangesAsync();
});

// 2. A single-statement save (EF would run it without a transaction), synchronous.
await InScopeAsync(db =>
{
    db.Customers.Add(Customer("crash-150"));
    db.SaveChanges();
    committed += 1;
    return Task.CompletedTask;
});

// 3. A user transaction with two saves, committed: 10 sign-ups, then 5 score changes.
await InScopeAsync(async db =>
{
    await using var tx = await db.Database.BeginTransactionAsync();
    var added = Enumerable.Range(200, 10).Select(i => Customer($"crash-{i}")).ToList();
    db.Customers.AddRange(added);
    await db.SaveChangesAsync();
    foreach (var customer in added.Take(5))
    {
        customer.Score = 7;
    }

    await db.SaveChangesAsync();
    await tx.CommitAsync();
    committed += 15;
});

// 4. A user transaction rolled back: its sign-ups and its score change must never be sent.
await InScopeAsync(async db =>
{
    await using var tx = await db.Database.BeginTransactionAsync();
    db.Customers.AddRange(Enumerable.Range(0, 5).Select(i => Customer($"rollback-{i}")));
    await db.SaveChangesAsync();
    var first = await db.Customers.SingleAsync(c => c.Email == "crash-0@crash.test");
    first.Score = 99;
    await db.SaveChangesAsync();
    await tx.RollbackAsync();
});

// 5. A user transaction disposed without commit.
await InScopeAsync(async db =>
{
    await using (var tx = await db.Database.BeginTransactionAsync())
    {
        db.Customers.AddRange(Enumerable.Range(0, 5).Select(i => Customer($"disposed-{i}")));
        await db.SaveChangesAsync();
    }
});

// 6. A failed save outside any transaction (a duplicate e-mail breaks the unique index).
await InScopeAsync(async db =>
{
    db.Customers.Add(Customer("failed-0"));
    db.Customers.Add(Customer("crash-1"));
    try
    {
        await db.SaveChangesAsync();
        throw new InvalidOperationException("The duplicate save should have failed.");
    }
    catch (DbUpdateException)
    {
    }
});

// 7. Inside a user transaction, a failed save between two good ones: only the good ones' calls commit.
await InScopeAsync(async db =>
{
    await using var tx = await db.Database.BeginTransactionAsync();
    db.Customers.Add(Customer("crash-300"));
    await db.SaveChangesAsync();
    db.Customers.Add(Customer("failed-1"));
    db.Customers.Add(Customer("crash-2"));
    try
    {
        await db.SaveChangesAsync();
        throw new InvalidOperationException("The duplicate save should have failed.");
    }
    catch (DbUpdateException)
    {
    }

    // Forget the entities of the failed save, keep going in the same transaction.
    foreach (var entry in db.ChangeTracker.Entries().Where(e => e.State == EntityState.Added).ToList())
    {
        entry.State = EntityState.Detached;
    }

    db.Customers.Add(Customer("crash-301"));
    await db.SaveChangesAsync();
    await tx.CommitAsync();
    committed += 2;
});

// 8. Several implicit saves on one context, async.
await InScopeAsync(async db =>
{
    for (var i = 400; i < 405; i++)
    {
        db.Customers.Add(Customer($"crash-{i}"));
        await db.SaveChangesAsync();
        committed++;
    }
});

Console.Out.WriteLine($"COMMITTED {committed}");
Console.Out.Flush();

// Wait to be killed. A closed stdin means the test that started us is gone: leave rather than linger.
while (await Console.In.ReadLineAsync() is not null)
{
}

return 0;

// Backfill mode (KissEf.CrashHost backfill <sqlite file> <endpoint>): customers written without KissEf, then an
// enqueue of them that prints "COMMITTED <rows>" once two chunks have committed and goes on, slowly, until killed.
static async Task<int> BackfillUntilKilledAsync(string path, string endpoint)
{
    var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
    var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
    builder.Services.AddKissTracking(kiss => kiss.UseApiKey(OutboxShop.ApiKey).UseEndpoint(new Uri(endpoint)).MapCustomersForBackfill());
    builder.Services.AddDbContext<OutboxShopContext>((sp, db) => db.UseSqlite(connectionString).UseKissTracking(sp));
    using var host = builder.Build(); // Never started: nothing is sent from here.

    using (var scope = host.Services.CreateScope())
    {
        await scope.ServiceProvider.GetRequiredService<OutboxShopContext>().Database.EnsureCreatedAsync();
    }

    await using (var plain = new OutboxPlainShopContext(new DbContextOptionsBuilder<OutboxPlainShopContext>().UseSqlite(connectionString).Options))
    {
        plain.Customers.AddRange(Enumerable.Range(0, 1000).Select(i => new OutboxCustomer { Email = $"old-{i}@backfill.test", Name = $"Old {i}" }));
        await plain.SaveChangesAsync();
    }

    using var run = host.Services.CreateScope();
    var db = run.ServiceProvider.GetRequiredService<OutboxShopContext>();
    var announced = false;
    await host.Services.GetRequiredService<KissEf.IKissBackfill>().EnqueueAsync(db.Customers, new Announce(progress =>
    {
        if (!announced && progress.RowsRead >= 200)
        {
            announced = true;
            Console.WriteLine($"COMMITTED {progress.RowsRead}");
        }
    }));

    Console.WriteLine("DONE");
    await Console.In.ReadToEndAsync();
    return 0;
}

/// <summary>Reports on the calling thread.</summary>
internal sealed class Announce(Action<KissEf.KissBackfillProgress> report) : IProgress<KissEf.KissBackfillProgress>
{
    public void Report(KissEf.KissBackfillProgress value) => report(value);
}
