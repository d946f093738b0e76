using System.Data.Common;
using KissEf.Internal.Calls;
using KissEf.Internal.Capture;
using KissEf.Internal.Outbox.Dispatch;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KissEf.Internal.Outbox;

/// <summary>The default delivery: calls are written as outbox rows in the transaction; a commit wakes the dispatcher.</summary>
/// <remarks>
/// The writer and the dispatcher are resolved at the first save, not with the delivery: building them reads the
/// validated options, and the delivery is resolved with every tracked context's options (a design-time tool's too).
/// </remarks>
internal sealed class KissOutboxDelivery(IServiceProvider services, TimeProvider time) : IKissDelivery
{
    private KissOutboxWriter? _writer;
    private KissOutboxDispatcher? _dispatcher;

    public bool PersistsInTransaction => true;

    private KissOutboxWriter Writer => _writer ??= services.GetRequiredService<KissOutboxWriter>();

    private KissOutboxDispatcher Dispatcher => _dispatcher ??= services.GetRequiredService<KissOutboxDispatcher>();

    public void Persist(DbContext context, DbTransaction? transaction, IReadOnlyList<KissCall> calls)
        => Writer.Write(context, transaction, calls, time.GetUtcNow().ToUnixTimeMilliseconds());

    public Task PersistAsync(DbContext context, DbTransaction? transaction, IReadOnlyList<KissCall> calls, CancellationToken cancellationToken)
        => Writer.WriteAsync(context, transaction, calls, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);

    public bool CanWriteInCommand(DbContext context) => Writer.HasWritten(context);

    public void WriteInCommand(DbContext context, DbCommand command, IReadOnlyList<KissCall> calls)
        => Writer.AddTo(context, command, calls, time.GetUtcNow().ToUnixTimeMilliseconds());

    public void Committed(KissCommitOrigin origin, IReadOnlyList<KissCall> calls) => Dispatcher.Wake(origin.ContextType, origin.TenantId);
}
