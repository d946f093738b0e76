using KissEf;
using Microsoft.Extensions.DependencyInjection;

namespace Shop.Delivery;

/// <summary>Operating the outbox's dead rows (docs/delivery.md), run by tests/KissEf.FunctionalTests/Docs/DocSampleRunTests.cs.</summary>
public static class OutboxOperations
{
    public static async Task<KissOutboxState> OperateAsync(IServiceProvider services, CancellationToken ct)
    {
        #region outbox-admin
        var outbox = services.GetRequiredService<IKissOutbox>();
        var state = await outbox.GetStateAsync(ct);              // PendingRows, PendingCalls, DeadRows, DeadCalls, OldestPendingAge
        await outbox.RetryDeadAsync(ct);                         // dead rows become pending again, due now, attempts reset
        await outbox.PurgeDeadAsync(TimeSpan.FromDays(30), ct);  // delete rows dead for more than 30 days
        #endregion
        return state;
    }
}
