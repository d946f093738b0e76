using KissEf.Outbox;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Internal.Outbox.Dispatch;

/// <summary>A claimed batch: the context it was claimed through, its lease owner, its rows and the lease's renewal.</summary>
internal sealed class KissClaim(KissOwnContext own, string owner, List<KissOutboxMessage> rows, CancellationTokenSource renewing, Task renewal)
    : IAsyncDisposable
{
    public DbContext Db => own.Db;

    public string Owner { get; } = owner;

    public List<KissOutboxMessage> Rows { get; } = rows;

    public async Task StopRenewingAsync()
    {
        await renewing.CancelAsync().ConfigureAwait(false);
        await renewal.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        await StopRenewingAsync().ConfigureAwait(false);
        renewing.Dispose();
        await own.DisposeAsync().ConfigureAwait(false);
    }
}
