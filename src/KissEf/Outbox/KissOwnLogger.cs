using Microsoft.Extensions.Logging;

namespace KissEf.Outbox;

/// <summary>
/// One EF logger of <see cref="KissOwnLoggerFactory"/>: for a context of KissEf's own, events at Information and above
/// are written at Debug; for the application's, it changes nothing.
/// </summary>
/// <remarks>
/// For KissEf's own context it answers <see cref="IsEnabled"/> with true at Information and above, and lets the inner
/// logger's Debug filter decide. Answering false would make EF skip logging the command events of that context for a
/// second (<c>LoggingCacheTime</c>); a pooled context given back to the application in that second would then not
/// log the application's own commands.
/// </remarks>
internal sealed class KissOwnLogger(ILogger inner, KissOwnLoggerFactory factory) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull
        => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel)
        => (factory.IsOwn && logLevel is >= LogLevel.Information and < LogLevel.None) || inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => inner.Log(factory.IsOwn && logLevel is >= LogLevel.Information and < LogLevel.None ? LogLevel.Debug : logLevel, eventId, state, exception, formatter);
}
