namespace KissEf.Testing;

/// <summary>With the recorder there is nothing to send: a flush completes at once (the calls were recorded at the commit).</summary>
internal sealed class KissRecorderDispatcher : IKissDispatcher
{
    public Task FlushAsync(CancellationToken cancellationToken = default)
        => cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;
}
