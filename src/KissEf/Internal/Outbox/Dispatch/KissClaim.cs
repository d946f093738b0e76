using KissEf.Outbox;
using Microsoft.EntityFrameworkCore;

namespace KissEf.Internal.Outbox.Dispatch;

/// <summary>
/// A claimed batch: the context it was claimed through, its lease owner, its rows, and what this instance knows of its
/// lease. The lease's end is the expiry the table holds, as this instance last wrote it; it counts from the clock read
/// before the statement that wrote it, not from when the statement came back, so a slow claim or renewal (a cold
/// process, a loaded machine) shortens the lease instead of hiding that it ran out. Another instance may take the rows
/// once that end has passed: the batch is sent only while enough of it is left (<see cref="Ending"/>), and a renewal
/// that finds fewer rows than claimed marks it <see cref="Lost"/>. The renewal runs from the claim until the batch is
/// settled or given back (the claim disposed).
/// </summary>
internal sealed class KissClaim(KissOwnContext own, string owner, List<KissOutboxMessage> rows, long leaseEnd, long leaseLength)
    : IAsyncDisposable
{
    private readonly CancellationTokenSource _renewing = new();
    private Task _renewal = Task.CompletedTask;
    private long _leaseEnd = leaseEnd;
    private volatile bool _lost;

    public DbContext Db => own.Db;

    public string Owner { get; } = owner;

    public List<KissOutboxMessage> Rows { get; } = rows;

    /// <summary>The ids of <see cref="Rows"/>: a renewal extends the lease of these rows only, as long as they are the owner's.</summary>
    public IReadOnlyCollection<long> Ids { get; } = [.. rows.Select(r => r.Id)];

    /// <summary>
    /// One renewal of this claim at a time (its background renewal, or one before a send or a settle): two at once
    /// would be a wasted statement, and the one that wrote the earlier end could be recorded last.
    /// </summary>
    public SemaphoreSlim RenewalGate { get; } = new(1, 1);

    /// <summary>The lease's length, in milliseconds (<c>LeaseDuration</c>).</summary>
    public long LeaseLength { get; } = leaseLength;

    /// <summary>When the lease ends (Unix milliseconds), as this instance last wrote it to the table.</summary>
    public long LeaseEnd => Interlocked.Read(ref _leaseEnd);

    /// <summary>A renewal found rows of the claim taken by another instance: their lease had run out.</summary>
    public bool Lost => _lost;

    /// <summary>
    /// The lease is a third old or more: a renewal is due. The background renewal renews then, and the dispatcher before
    /// it sends or settles the batch, so a renewal that came late does not leave the batch with its lease nearly out.
    /// </summary>
    public bool RenewalDue(long now) => LeaseEnd - now < LeaseLength * 2 / 3;

    /// <summary>
    /// The batch may no longer be sent: another instance took rows of it, or less than a third of its lease is left (its
    /// renewal is a third of the lease late), so another instance may take its rows before this one has settled them.
    /// </summary>
    public bool Ending(long now) => _lost || LeaseEnd - now < LeaseLength / 3;

    /// <summary>
    /// Records a renewal: the table's lease of <paramref name="renewed"/> rows now ends at <paramref name="until"/>. Fewer
    /// rows than claimed means another instance took some once their lease had run out (or, during the settle, that
    /// the delete has run): the rows left are still this instance's, and stay renewed until the settle is done.
    /// </summary>
    public void Renewed(long until, int renewed)
    {
        if (renewed < Rows.Count)
        {
            _lost = true;
        }

        Interlocked.Exchange(ref _leaseEnd, until);
    }

    /// <summary>Starts the lease's background renewal, until <see cref="StopRenewingAsync"/>.</summary>
    public void StartRenewing(Func<KissClaim, CancellationToken, Task> renewal) => _renewal = renewal(this, _renewing.Token);

    public async Task StopRenewingAsync()
    {
        await _renewing.CancelAsync().ConfigureAwait(false);
        await _renewal.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        await StopRenewingAsync().ConfigureAwait(false);
        _renewing.Dispose();
        RenewalGate.Dispose();
        await own.DisposeAsync().ConfigureAwait(false);
    }
}
