using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Support.Tenants;

/// <summary>
/// One instance of an application whose tenants share one database (a tenant column set by a convention on every entity): <see cref="OutboxTestHost.CreateBuilder{TContext}"/> with
/// <typeparamref name="TContext"/> and its <see cref="TenantAccessor"/>. Built, not started.
/// </summary>
public sealed class TenantConventionHost<TContext> : IAsyncDisposable
    where TContext : TenantAppContext
{
    private readonly TestHostCore _core;

    public TenantConventionHost(string connectionString, Uri endpoint)
    {
        var builder = OutboxTestHost.CreateBuilder<TContext>(Logs, connectionString, endpoint);
        builder.Services.AddSingleton<TenantAccessor>();
        _core = new TestHostCore(builder.Build());
    }

    public IServiceProvider Services => _core.Services;

    public TestLogCollector Logs { get; } = new();

    public TenantAccessor Tenants => Services.GetRequiredService<TenantAccessor>();

    public IKissOutbox Outbox => Services.GetRequiredService<IKissOutbox>();

    public IKissDispatcher Dispatcher => Services.GetRequiredService<IKissDispatcher>();

    public Task StartAsync() => _core.StartAsync();

    public Task StopAsync() => _core.StopAsync();

    /// <summary>Runs <paramref name="work"/> with a context of its own scope, in the flow's tenant (if any).</summary>
    public async Task<T> WithContextAsync<T>(Func<TContext, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var scope = Services.CreateScope();
        return await work(scope.ServiceProvider.GetRequiredService<TContext>());
    }

    /// <summary>Adds <paramref name="customers"/> in one save inside <paramref name="tenantId"/>.</summary>
    public async Task AddCustomersAsync(string tenantId, params OutboxCustomer[] customers)
    {
        using (Tenants.Enter(tenantId))
        {
            await WithContextAsync(db =>
            {
                db.Customers.AddRange(customers);
                return db.SaveChangesAsync();
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _core.Dispose();
        }
    }
}
