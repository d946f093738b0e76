using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KissEf.Benchmarks.Infrastructure;

/// <summary>
/// Profiling aid of the latency probe: an application interceptor that times each save's phases (its saves run one
/// at a time): from SaveChanges to BEGIN, BEGIN itself (where a save waits for a lock another connection holds),
/// from BEGIN to COMMIT (EF's INSERT, KissEf's outbox INSERT), COMMIT, and after it. The plain app's single-statement
/// save has no transaction: all of it is "before".
/// </summary>
public sealed class SavePhases : DbTransactionInterceptor, ISaveChangesInterceptor
{
    private long _saving;
    private long _beginning;
    private long _begun;
    private long _committing;
    private long _committed;

    /// <summary>Each save's phases, in ms: before BEGIN, BEGIN, to COMMIT, COMMIT, after COMMIT (zeros without a transaction).</summary>
    public List<double[]> Saves { get; } = [];

    /// <summary>When false, saves are not recorded (the warm-up).</summary>
    public bool Recording { get; set; }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        _saving = Stopwatch.GetTimestamp();
        _beginning = _begun = _committing = _committed = 0;
        return ValueTask.FromResult(result);
    }

    public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        var end = Stopwatch.GetTimestamp();
        if (Recording)
        {
            Saves.Add(_begun == 0
                ? [Ms(_saving, end), 0, 0, 0, 0]
                : [Ms(_saving, _beginning), Ms(_beginning, _begun), Ms(_begun, _committing), Ms(_committing, _committed), Ms(_committed, end)]);
        }

        return ValueTask.FromResult(result);
    }

    public override ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        _beginning = Stopwatch.GetTimestamp();
        return ValueTask.FromResult(result);
    }

    public override ValueTask<DbTransaction> TransactionStartedAsync(
        DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        _begun = Stopwatch.GetTimestamp();
        return ValueTask.FromResult(result);
    }

    public override ValueTask<InterceptionResult> TransactionCommittingAsync(
        DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        _committing = Stopwatch.GetTimestamp();
        return ValueTask.FromResult(result);
    }

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        _committed = Stopwatch.GetTimestamp();
        return Task.CompletedTask;
    }

    /// <summary>The mean phases of the slowest <paramref name="share"/> of the saves, as text.</summary>
    public string Slowest(double share)
    {
        var slow = Saves.OrderByDescending(s => s.Sum()).Take(Math.Max(1, (int)(Saves.Count * share))).ToList();
        double Mean(int phase) => slow.Average(s => s[phase]);
        return FormattableString.Invariant(
            $"slowest {slow.Count} saves, mean ms: before BEGIN {Mean(0):F2}, BEGIN {Mean(1):F2}, to COMMIT {Mean(2):F2}, COMMIT {Mean(3):F2}, after {Mean(4):F2}; {slow.Count(s => s[1] >= 0.9)} waited ≥ 0.9 ms in BEGIN");
    }

    private static double Ms(long from, long to) => from == 0 || to == 0 ? 0 : Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;
}
