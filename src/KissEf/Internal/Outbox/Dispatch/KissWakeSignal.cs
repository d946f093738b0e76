namespace KissEf.Internal.Outbox.Dispatch;

/// <summary>Where the dispatcher waits: woken by a commit, or by the end of its wait.</summary>
internal sealed class KissWakeSignal
{
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set() => Volatile.Read(ref _wake).TrySetResult();

    /// <summary>Waits for <see cref="Set"/> or <paramref name="timeout"/>. A wake that came while the caller was
    /// busy returns at once: the caller drains after this returns, so it sees every row committed before.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var wake = Volatile.Read(ref _wake).Task;
        if (!wake.IsCompleted && timeout > TimeSpan.Zero)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(timeout, time, stop.Token);
            await Task.WhenAny(wake, delay).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
        }

        if (wake.IsCompleted)
        {
            Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        cancellationToken.ThrowIfCancellationRequested();
    }
}
