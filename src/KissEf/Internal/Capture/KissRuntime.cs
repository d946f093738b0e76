using System.Data.Common;
using System.Runtime.CompilerServices;
using KissEf.Internal.Logging;
using KissEf.Internal.Calls;
using KissEf.Internal.Diagnostics;
using KissEf.Internal.Model;
using KissEf.Internal.Protocol;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KissEf.Internal.Capture;

/// <summary>
/// What every context of one service provider shares: the compiled maps, the delivery, the clock, and the
/// calls waiting for user transactions to commit. The per-context trackers reach it through the options
/// extension, so no state lives in a shared interceptor.
/// </summary>
internal sealed class KissRuntime(
    KissModel model,
    IKissDelivery delivery,
    TimeProvider time,
    ILoggerFactory loggers,
    IOptions<KissTrackingOptions> options,
    KissMetrics metrics,
    IKissTenants? tenants,
    Type? consent = null)
{
    private readonly ConditionalWeakTable<DbTransaction, KissPendingCalls> _pending = new();

    // 0 until the options were read, which validates them (the setting's range starts at 1).
    private int _maxValueLength;

    /// <summary>The instruments of this runtime's service provider (a singleton there: not looked up per save).</summary>
    public KissMetrics Metrics { get; } = metrics;

    public KissModel Model { get; } = model;

    public IKissDelivery Delivery { get; } = delivery;

    /// <summary>The application's tenants (<c>UseTenants</c>), or null.</summary>
    public IKissTenants? Tenants { get; } = tenants;

    /// <summary>The application's consent service type (<c>UseConsent</c>), asked before every call is written; or null.</summary>
    public Type? Consent { get; } = consent;

    /// <summary>What a commit of <paramref name="context"/> is, for the delivery.</summary>
    public KissCommitOrigin Origin(DbContext context) => KissCommitOrigin.Of(context, Tenants);

    public TimeProvider Time { get; } = time;

    /// <summary>Keeps distinct calls of this process distinct at the vendor (its de-duplication on <c>_t</c>).</summary>
    public KissDistinctTimes DistinctTimes { get; } = new();

    public ILogger Logger { get; } = loggers.CreateLogger(KissLogCategories.Tracking);

    /// <summary><see cref="KissTrackingOptions.MaxPropertyValueLength"/>.</summary>
    /// <exception cref="OptionsValidationException">The options are not valid.</exception>
    public int MaxValueLength => _maxValueLength > 0 ? _maxValueLength : _maxValueLength = options.Value.MaxPropertyValueLength;

    /// <summary><see cref="KissTrackingOptions.UntrackedBulkOperations"/>.</summary>
    /// <exception cref="OptionsValidationException">The options are not valid.</exception>
    public KissBulkOperationPolicy BulkOperationPolicy => options.Value.UntrackedBulkOperations;

    /// <summary><see cref="KissTrackingOptions.BulkOperationChunkSize"/>.</summary>
    /// <exception cref="OptionsValidationException">The options are not valid.</exception>
    public int BulkOperationChunkSize => options.Value.BulkOperationChunkSize;

    /// <summary>
    /// Fails when KissEf's options are not valid, with the failure the host's start gives. The options are read here,
    /// at a save, and not when a context's options are built: a design-time tool (<c>dotnet ef</c>) and a context that
    /// only reads must work without a key. With a host, the start has already checked them.
    /// </summary>
    /// <exception cref="OptionsValidationException">The options are not valid.</exception>
    public void EnsureConfigured() => _ = MaxValueLength;

    /// <summary>The outbox writes in the provider's transactions: a provider without them needs direct delivery.</summary>
    /// <param name="context">The context saving.</param>
    /// <param name="relational">Whether its provider is relational (known from its options: context.Database would
    /// build the facade's dependencies, services a save does not otherwise build).</param>
    public void EnsureSupported(DbContext context, bool relational)
    {
        if (Delivery.PersistsInTransaction && !relational)
        {
            throw new InvalidOperationException(
                $"KissEf's outbox needs a relational provider, and {context.GetType().Name} uses {context.Database.ProviderName}: " +
                "call UseDirectDelivery() in AddKissTracking (calls then wait in memory and a crash loses them).");
        }
    }

    public KissPendingCalls Pending(DbTransaction transaction) => _pending.GetOrCreateValue(transaction);

    /// <summary>The user's transaction committed: release its calls (or wake the outbox's sender).</summary>
    public void Committed(DbContext context, DbTransaction transaction)
    {
        if (_pending.TryGetValue(transaction, out var pending))
        {
            _pending.Remove(transaction);
            var calls = pending.Take();
            if (calls.Count > 0 || pending.Persisted)
            {
                Delivery.Committed(Origin(context), calls);
            }
        }
    }

    /// <summary>The transaction rolled back or failed to commit: its calls die with it.</summary>
    public void Discard(DbTransaction transaction) => _pending.Remove(transaction);

    /// <summary>Calls of an ambient transaction leave when it completes committed.</summary>
    public void OnAmbientCommit(System.Transactions.Transaction ambient, KissCommitOrigin origin, IReadOnlyList<KissCall> calls)
    {
        ambient.TransactionCompleted += (_, args) =>
        {
            if (args.Transaction?.TransactionInformation.Status == System.Transactions.TransactionStatus.Committed)
            {
                Delivery.Committed(origin, calls);
            }
        };
    }
}
