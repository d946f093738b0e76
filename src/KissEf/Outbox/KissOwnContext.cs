using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Outbox;

/// <summary>
/// A DbContext of KissEf's own, from a scope of its own: the dispatcher and the operator's view never use the
/// application's contexts (whose transactions may be anywhere).
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

    public IQueryable<KissOutboxMessage> Rows => Db.Set<KissOutboxMessage>();

    public static KissOwnContext Open(IServiceProvider services, Type contextType)
    {
        var scope = services.CreateAsyncScope();
        try
        {
            var db = (DbContext)scope.ServiceProvider.GetRequiredService(contextType);
            Own.AddOrUpdate(db, Own);
            return new KissOwnContext(scope, db);
        }
        catch
        {
            scope.Dispose();
            throw;
        }
    }

    /// <summary>True for a context of KissEf's own (the dispatcher's, the operator's view), false for the application's.</summary>
    public static bool IsOwn(DbContext context) => Own.TryGetValue(context, out _);

    public ValueTask DisposeAsync()
    {
        Own.Remove(Db);
        return _scope.DisposeAsync();
    }
}
