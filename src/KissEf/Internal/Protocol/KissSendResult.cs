namespace KissEf.Internal.Protocol;

/// <summary>The outcome of one attempt to send a call.</summary>
/// <param name="Delivered">The server answered with success.</param>
/// <param name="Retryable">A failure worth trying again: network error, timeout, 408, 429, 5xx.</param>
/// <param name="Error">What went wrong, without the URL or the key.</param>
/// <param name="RetryAfter">The server's Retry-After, when it gave one.</param>
internal readonly record struct KissSendResult(bool Delivered, bool Retryable, string? Error, TimeSpan? RetryAfter)
{
    public static KissSendResult Success { get; } = new(true, false, null, null);
}
