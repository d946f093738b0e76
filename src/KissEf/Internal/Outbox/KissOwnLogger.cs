using Microsoft.Extensions.Logging;

namespace KissEf.Internal.Outbox;

/// <summary>
/// One EF logger of <see cref="KissOwnLoggerFactory"/>: for a context of KissEf's own, events at Information and above
/// are written at Debug; for the application's, it changes nothing.
/// </summary>
/// <remarks>
/// <see cref="IsEnabled"/> answers for the event's own level, for KissEf's contexts too: EF caches a "nobody logs
/// commands" answer for a second (<c>LoggingCacheTime</c>) in the context's logger, and a pooled context given back to
/// the application in that second would not log the application's own commands. Where the application logs EF's
/// commands, EF formats KissEf's too, and the inner logger's Debug filter drops them; where it does not, EF does nothing.
/// </remarks>
internal sealed class KissOwnLogger(ILogger inner, KissOwnLoggerFactory factory) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull
        => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => inner.Log(factory.IsOwn && logLevel is >= LogLevel.Information and < LogLevel.None ? LogLevel.Debug : logLevel, eventId, state, exception, formatter);
}
