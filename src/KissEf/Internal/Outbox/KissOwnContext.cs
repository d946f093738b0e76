using System.Runtime.CompilerServices;
using KissEf.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking.Internal;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KissEf.Internal.Outbox;

/// <summary>
/// A DbContext of KissEf's own, from a scope of its own: the dispatcher and the operator's view never use the
/// application's contexts (whose transactions may be anywhere). EF logs the work of such a context at Debug
/// (<see cref="KissOwnLoggerFactory"/>), not among the application's commands.
/// </summary>
internal readonly struct KissOwnContext : IAsyncDisposable
{
    // The contexts KissEf opened for itself, while they are its own (a pooled context goes back to the application).
    private static readonly ConditionalWeakTable<DbContext, object> Own = new();

    private readonly AsyncServiceScope _scope;

    private KissOwnContext(AsyncServiceScope scope, DbContext db)
    {
        _scope = scope;
        Db = db;
    }

    public DbContext Db { get; }

    /// <summary>The outbox rows, for a query of KissEf's (<see cref="RowsOf"/>).</summary>
    public IQueryable<KissOutboxMessage> Rows => RowsOf(Db);

    /// <summary>
    /// A context of <paramref name="contextType"/> from a new scope; with <paramref name="tenantId"/>, a scope entered for
    /// that tenant first (<see cref="IKissTenants.EnterAsync"/>), so that the context is the tenant's.
    /// </summary>
    public static async ValueTask<KissOwnContext> OpenAsync(
        IServiceProvider services, Type contextType, IKissTenants? tenants, string? tenantId, CancellationToken cancellationToken)
    {
        var scope = services.CreateAsyncScope();
        try
        {
            if (tenantId is not null && tenants is not null)
            {
                await tenants.EnterAsync(scope.ServiceProvider, tenantId, cancellationToken).ConfigureAwait(false);
            }

            var db = (DbContext)scope.ServiceProvider.GetRequiredService(contextType);
            Own.AddOrUpdate(db, Own);
            Logging(db)?.IsOwn = true;
            return new KissOwnContext(scope, db);
        }
        catch
        {
            await scope.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The outbox rows every query of KissEf starts from, without query filters: a filter on the outbox entity is the
    /// application's (a tenant's, a soft delete's, put on every entity type), and reads its own state (a tenant the
    /// dispatcher's context does not have). <see cref="KissOutboxGuard"/> takes such filters off the entity; this keeps
    /// KissEf's queries right if one is there all the same.
    /// </summary>
    public static IQueryable<KissOutboxMessage> RowsOf(DbContext db) => db.Set<KissOutboxMessage>().IgnoreQueryFilters();

    /// <summary>
    /// Writes the rows KissEf added to its own context (a dead row, a backfill checkpoint) without the application's
    /// <c>SaveChanges</c>: the context is the application's type, and its overrides and save interceptors are written for
    /// its entities (a tenant stamped on every added entry, an audit row per change), so they may fail on KissEf's row, or
    /// add rows of their own to KissEf's transaction. EF's state manager is what <c>SaveChanges</c> calls after those
    /// (there is no public way around them); the rows are added with <c>Add</c>, so there are no changes to detect.
    /// </summary>
    public static Task<int> SaveOwnRowsAsync(DbContext db, CancellationToken cancellationToken)
#pragma warning disable EF1001 // Internal EF Core API: see the summary.
        => db.GetService<IStateManager>().SaveChangesAsync(acceptAllChangesOnSuccess: true, cancellationToken);
#pragma warning restore EF1001

    /// <summary>True for a context of KissEf's own (the dispatcher's, the operator's view), false for the application's.</summary>
    public static bool IsOwn(DbContext context) => Own.TryGetValue(context, out _);

    public ValueTask DisposeAsync()
    {
        // A pooled context goes back to the application with the scope: its EF logging is the application's again.
        Logging(Db)?.IsOwn = false;
        Own.Remove(Db);
        return _scope.DisposeAsync();
    }

    /// <summary>The logger factory of the context's EF services, when KissEf's extension registered it (UseKissTracking).</summary>
    private static KissOwnLoggerFactory? Logging(DbContext db) => db.GetInfrastructure().GetService<ILoggerFactory>() as KissOwnLoggerFactory;
}
