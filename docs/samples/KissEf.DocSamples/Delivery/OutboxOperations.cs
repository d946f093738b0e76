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

    public static async Task<(IReadOnlyList<KissDeadGroup> Groups, int Retried, int Purged)> ByGroupAsync(IServiceProvider services, CancellationToken ct)
    {
        #region dead-groups
        var outbox = services.GetRequiredService<IKissOutbox>();
        var groups = await outbox.GetDeadGroupsAsync(ct);   // by failure, largest first: Key, Error, Rows, Calls, Kinds, ...
        var retried = 0;
        var purged = 0;
        foreach (var group in groups)
        {
            if (group.Error.StartsWith("HTTP 5", StringComparison.Ordinal))
            {
                retried += await outbox.RetryDeadAsync(group.Key, ct);   // the server failed: send them again
            }
            else if (group.Error.StartsWith("HTTP 4", StringComparison.Ordinal))
            {
                purged += await outbox.PurgeDeadAsync(group.Key, ct);    // the calls are wrong: fix the map, drop them
            }
        }
        #endregion
        return (groups, retried, purged);
    }
}
