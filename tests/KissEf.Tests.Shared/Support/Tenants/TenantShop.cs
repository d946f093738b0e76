using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Tests.Support.Tenants;

/// <summary>The tracked entity of the tenant tests: a user of one tenant.</summary>
public sealed class TenantUser
{
    public int Id { get; set; }

    /// <summary>The KISSmetrics identity (<c>_p</c>).</summary>
    public string Email { get; set; } = string.Empty;
}

/// <summary>
/// A context with a database per tenant, configured as fullstackhero's <c>BaseDbContext</c> is: the registration gives
/// no database, and <see cref="OnConfiguring"/> reads the connection string of the scope's tenant
/// (<see cref="TenantContext"/>) from the store (SQLite, or PostgreSQL for a connection string starting "Host=").
/// Outside a tenant it has no provider at all.
/// </summary>
public abstract class TenantShopContextBase(DbContextOptions options, TenantContext tenant, TenantStore store) : DbContext(options)
{
    public DbSet<TenantUser> Users => Set<TenantUser>();

    /// <summary>The tenant this context was created for (null: none).</summary>
    public string? TenantId => tenant.Id;

    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder)
    {
        ArgumentNullException.ThrowIfNull(optionsBuilder);
        if (tenant.Id is { } id)
        {
            var connectionString = store.ConnectionStringOf(id);
            if (connectionString.StartsWith("Host=", StringComparison.Ordinal))
            {
                optionsBuilder.UseNpgsql(connectionString);
            }
            else
            {
                optionsBuilder.UseSqlite(connectionString);
            }
        }
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
        => modelBuilder.Entity<TenantUser>(u => u.ToTable("users"));
}

/// <summary>The tenant tests' context: created in any scope, a database only inside a tenant.</summary>
public sealed class TenantShopContext(DbContextOptions<TenantShopContext> options, TenantContext tenant, TenantStore store)
    : TenantShopContextBase(options, tenant, store);

/// <summary>A context whose constructor throws outside a tenant, as an application's that reads its tenant at once.</summary>
public sealed class StrictTenantShopContext(DbContextOptions<StrictTenantShopContext> options, TenantContext tenant, TenantStore store)
    : TenantShopContextBase(options, Require(tenant), store)
{
    private static TenantContext Require(TenantContext tenant)
        => tenant.Id is null ? throw new InvalidOperationException("StrictTenantShopContext needs a tenant: this scope has none.") : tenant;
}

/// <summary>The tenant tests' registration and map, shared with the dispatcher child process.</summary>
public static class TenantShop
{
    public const string ApiKey = "tenant-SECRET-key-0b7d21";

    public const string SignedUp = "Signed Up";

    /// <summary>
    /// The tenant store, the scoped tenant, <see cref="TestTenants"/> and <typeparamref name="TContext"/>, tracked with
    /// the users' map (<c>HasIdentity(u => u.Email)</c>, <c>OnAdded().Record("Signed Up")</c>); then
    /// <paramref name="configure"/> on KissEf's options and <paramref name="context"/> on the context's.
    /// </summary>
    public static IServiceCollection AddTenantShop<TContext>(
        this IServiceCollection services,
        TenantStore store,
        Uri endpoint,
        Action<KissTrackingOptions>? configure = null,
        Action<DbContextOptionsBuilder>? context = null)
        where TContext : TenantShopContextBase
    {
        services.AddSingleton(store);
        services.AddScoped<TenantContext>();
        services.AddKissTracking(kiss => kiss
            .UseTenants<TestTenants>()
            .UseApiKey(ApiKey)
            .UseEndpoint(endpoint)
            .Entity<TenantUser>(u =>
            {
                u.HasIdentity(x => x.Email);
                u.OnAdded().Record(SignedUp);
            })
            .Configure(o => configure?.Invoke(o)));
        return services.AddDbContext<TContext>((sp, db) =>
        {
            db.UseKissTracking(sp);
            context?.Invoke(db);
        });
    }
}
