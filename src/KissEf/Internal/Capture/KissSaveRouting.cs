using System.Data.Common;
using KissEf.Internal.Calls;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KissEf.Internal.Capture;

/// <summary>
/// Where the calls of a save go, bound to the transaction that holds its change: written with it (the outbox), handed
/// to delivery once it committed, or held with a user transaction (<see cref="KissPendingCalls"/>) until its commit;
/// and what a transaction's commit, rollback or failure does with the calls it holds.
/// </summary>
/// <remarks>
/// The sync and async interceptor methods share each path here: a method takes <c>async</c> and returns a
/// <see cref="ValueTask"/> that is complete when it returns with <c>async</c> false (the sync caller reads it at
/// once). A save with nothing to write returns before any state machine. A struct in its context's tracker (it
/// holds one reference): no allocation per context.
/// </remarks>
internal readonly struct KissSaveRouting
{
    private readonly KissSaveCapture _capture;

    /// <param name="capture">The capture of the context's saves: the save under way, the context and its KissEf.</param>
    public KissSaveRouting(KissSaveCapture capture) => _capture = capture;

    private DbContext Context => _capture.Context;

    private KissRuntime Runtime => _capture.Runtime;

    private IKissDelivery Delivery => Runtime.Delivery;

    /// <summary>SavedChanges: closes the save and sends its calls where its transaction says.</summary>
    public ValueTask SavedAsync(bool async, CancellationToken cancellationToken)
    {
        if (_capture.End() is not { } save)
        {
            return default;
        }

        if (!save.Captured || !save.HasWork)
        {
            // A first capture had calls, a later one none: our savepoint has nothing left to guard.
            save.Guard.Release();
            return default;
        }

        var persists = Delivery.PersistsInTransaction;
        if (save.UserTransaction is { } transaction)
        {
            var calls = save.Finalize();
            var pending = Runtime.Pending(transaction);
            if (!persists)
            {
                pending.Add(calls);
                return default;
            }

            pending.MarkPersisted();
            if (calls.Count > 0)
            {
                return PersistGuardedAsync(save, transaction, calls, async, cancellationToken);
            }

            save.Guard.Release();
            return default;
        }

        if (save.Ambient is { } ambient)
        {
            var calls = save.Finalize();
            Runtime.OnAmbientCommit(ambient, Runtime.Origin(Context), persists ? [] : calls);
            return persists && calls.Count > 0 ? PersistGuardedAsync(save, null, calls, async, cancellationToken) : default;
        }

        if (persists)
        {
            // EF's own transaction wrote the rows in TransactionCommitting, or EF's command of the save carried them:
            // its commit wakes the sender.
            if (save.CommittedInSave || save.WrittenInCommand)
            {
                Delivery.Committed(Runtime.Origin(Context), []);
            }

            return default;
        }

        // Direct delivery: SaveChanges returned, so the change is committed (with or without EF's transaction).
        Delivery.Committed(Runtime.Origin(Context), save.Finalize());
        return default;
    }

    /// <summary>TransactionCommitting: EF's own transaction of the current save writes the save's rows.</summary>
    public ValueTask CommittingAsync(DbTransaction transaction, bool async, CancellationToken cancellationToken)
        => _capture.Current is { UserTransaction: null, Ambient: null, HasWork: true } save && Delivery.PersistsInTransaction
            ? PersistAsync(transaction, save.Finalize(), async, cancellationToken)
            : default;

    /// <summary>
    /// EF executes a command of the save: when it is the save's only one, outside any transaction (EF opens one for
    /// more), and the save's rows are to travel in it, their INSERT is added to it.
    /// </summary>
    public void Executing(DbCommand command)
    {
        if (command.Transaction is null
            && _capture.Current is { WritesInCommand: true, UserTransaction: null, Ambient: null, HasWork: true } save)
        {
            var calls = save.Finalize();
            if (calls.Count > 0)
            {
                Delivery.WriteInCommand(Context, command, calls);
                save.WrittenInCommand = true;
            }
        }
    }

    /// <summary>TransactionCommitted: a user transaction releases the calls it holds.</summary>
    public void Committed(DbTransaction transaction)
    {
        if (_capture.Current is { UserTransaction: null } save)
        {
            // EF's own transaction of the current save: SavedChanges releases its calls.
            save.CommittedInSave = true;
            return;
        }

        Runtime.Committed(Context, transaction);
    }

    /// <summary>TransactionRolledBack: the transaction's calls die with it.</summary>
    public void RolledBack(DbTransaction transaction) => Runtime.Discard(transaction);

    /// <summary>TransactionFailed: a user transaction that failed to commit or roll back drops its calls.</summary>
    public void Failed(DbTransaction transaction, TransactionErrorEventData eventData)
    {
        if (_capture.Current is { UserTransaction: null })
        {
            return;
        }

        if (eventData.Action is "Commit" or "Rollback")
        {
            Runtime.Discard(transaction);
        }
    }

    /// <summary>Writes the save's rows in the user's (or the ambient) transaction: a failed write undoes the save's
    /// statements with them, a written one releases our savepoint.</summary>
    private async ValueTask PersistGuardedAsync(
        KissSaveSession save,
        DbTransaction? transaction,
        IReadOnlyList<KissCall> calls,
        bool async,
        CancellationToken cancellationToken)
    {
        try
        {
            await PersistAsync(transaction, calls, async, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            save.Guard.Undo();
            throw;
        }

        save.Guard.Release();
    }

    /// <summary>Writes <paramref name="calls"/> in <paramref name="transaction"/> (null: the connection's ambient one).</summary>
    private ValueTask PersistAsync(DbTransaction? transaction, IReadOnlyList<KissCall> calls, bool async, CancellationToken cancellationToken)
    {
        if (async)
        {
            return new ValueTask(Delivery.PersistAsync(Context, transaction, calls, cancellationToken));
        }

        Delivery.Persist(Context, transaction, calls);
        return default;
    }
}
