using KissEf.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Bulk;

/// <summary>
/// An application of the tracked bulk operation tests: <see cref="BulkShopContext"/> on SQLite or PostgreSQL with
/// KissEf's outbox (<see cref="BulkShop.MapOrders"/>), sending to a fake tracking server. Not started: the test
/// flushes the outbox when it wants the calls sent.
/// </summary>
public sealed class BulkHost : IAsyncDisposable
{
    private readonly TestHostCore _core;

    public BulkHost(string connectionString, Uri endpoint, Action<KissTrackingOptions>? configure = null, Action<DbContextOptionsBuilder>? context = null)
    {
        Logs = new TestLogCollector();
        var builder = OutboxTestHost.CreateBuilder<BulkShopContext>(Logs, connectionString, endpoint, configure, kiss => kiss.MapOrders(), context);
        _core = new TestHostCore(builder.Build());
    }

    public TestLogCollector Logs { get; }

    public IKissDispatcher Dispatcher => _core.Services.GetRequiredService<IKissDispatcher>();

    /// <summary>Runs <paramref name="work"/> with a context of its own scope.</summary>
    public async Task<T> WithContextAsync<T>(Func<BulkShopContext, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var scope = _core.Services.CreateScope();
        return await work(scope.ServiceProvider.GetRequiredService<BulkShopContext>());
    }

    /// <summary>Runs <paramref name="work"/> with a context of its own scope.</summary>
    public Task WithContextAsync(Func<BulkShopContext, Task> work)
        => WithContextAsync(async db =>
        {
            await work(db);
            return true;
        });

    /// <summary>Creates the tables and three buyers (ids 1 to 3).</summary>
    public Task CreateAsync()
        => WithContextAsync(async db =>
        {
            await db.Database.EnsureCreatedAsync();
            db.Buyers.AddRange(Enumerable.Range(1, 3).Select(i => new BulkBuyer { IdentityGuid = BuyerGuid(i) }));
            await db.SaveChangesAsync();
        });

    /// <summary>
    /// Adds <paramref name="count"/> orders of <paramref name="batch"/>: order i has total i, buyer i % 3 + 1, and
    /// status "archived" when i is a multiple of 3, else "new".
    /// </summary>
    public Task AddOrdersAsync(string batch, int count)
        => WithContextAsync(async db =>
        {
            db.Orders.AddRange(Enumerable.Range(0, count).Select(i => new BulkOrder
            {
                Batch = batch,
                Total = i,
                BuyerId = (i % 3) + 1,
                Status = i % 3 == 0 ? "archived" : "new",
            }));
            await db.SaveChangesAsync();
        });

    /// <summary>The statuses of <paramref name="batch"/>'s orders, by total.</summary>
    public Task<List<string>> StatusesAsync(string batch)
        => WithContextAsync(db => db.Orders.IgnoreQueryFilters().AsNoTracking().Where(o => o.Batch == batch).OrderBy(o => o.Total).Select(o => o.Status).ToListAsync());

    public static string BuyerGuid(int buyer) => $"00000000-0000-0000-0000-00000000000{buyer}";

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _core.StopAsync();
        }
        finally
        {
            _core.Dispose();
        }
    }
}
