using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Outbox;

/// <summary>
/// A DbContext of KissEf's own, from a scope of its own: the dispatcher and the operator's view never use the
/// application's contexts (whose transactions may be anywhere).
/// </summary>
internal readonly struct KissOwnContext : IAsyncDisposable
{
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
            return new KissOwnContext(scope, (DbContext)scope.ServiceProvider.GetRequiredService(contextType));
        }
        catch
        {
            scope.Dispose();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _scope.DisposeAsync();
}
