using System.Data.Common;
using Microsoft.EntityFrameworkCore.Storage;

namespace KissEf.Internal.Capture;

/// <summary>
/// KissEf's savepoint around a save in a user transaction. The outbox's rows of such a save are written in
/// SavedChanges, after the save's statements, once EF has released its own savepoint (and EF swallows errors
/// there): a savepoint of ours around the save lets a failed write undo the save's statements too, so the change
/// never commits without its calls.
/// </summary>
/// <remarks>
/// A mutable struct kept in a field of the save's <see cref="KissSaveSession"/> (as EF keeps an entry's state data):
/// guarding a save allocates nothing. Call its members on that field, never on a copy.
/// </remarks>
internal struct KissSavepointGuard
{
    private const string Savepoint = "__KissEfSave";

    // Null with a non-relational provider, which has no user transactions.
    private readonly IDbContextTransactionManager? _transactions;
    private bool _created;

    /// <param name="transactions">The context's transaction manager (null when its provider is not relational).</param>
    public KissSavepointGuard(IDbContextTransactionManager? transactions) => _transactions = transactions;

    /// <summary>True while the savepoint is being created: EF's CreatedSavepoint event is then ours, not the save's start.</summary>
    public bool Creating { get; private set; }

    /// <summary>Creates the savepoint in the current (the user's) transaction, once, where it supports savepoints.</summary>
    public void Create()
    {
        if (_created || _transactions?.CurrentTransaction is not { SupportsSavepoints: true } transaction)
        {
            return;
        }

        Creating = true;
        try
        {
            transaction.CreateSavepoint(Savepoint);
        }
        finally
        {
            Creating = false;
        }

        _created = true;
    }

    /// <summary>The rows are written, or the save has none left to write: the savepoint has nothing left to guard.</summary>
    public void Release()
    {
        if (_created && _transactions!.CurrentTransaction is { } transaction)
        {
            transaction.ReleaseSavepoint(Savepoint);
            _created = false;
        }
    }

    /// <summary>Writing the rows failed: undo the save's statements with them.</summary>
    public void Undo()
    {
        if (_created && _transactions!.CurrentTransaction is { } transaction)
        {
            transaction.RollbackToSavepoint(Savepoint);
            transaction.ReleaseSavepoint(Savepoint);
            _created = false;
        }
    }

    /// <summary>The save failed, was cancelled or was never finished: release the savepoint if the transaction still can.</summary>
    public void ReleaseAfterFailure()
    {
        try
        {
            Release();
        }
        catch (InvalidOperationException)
        {
            // The transaction is gone or broken: nothing of ours is left in it.
        }
        catch (DbException)
        {
        }
    }
}
