using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Support;

/// <summary>Keeps what the loggers of one <see cref="OutboxTestHost"/> wrote, for assertions and failure messages.</summary>
public sealed class OutboxLogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<OutboxLogEntry> _entries = new();

    public IReadOnlyList<OutboxLogEntry> Entries => [.. _entries];

    /// <summary>Entries at <see cref="LogLevel.Error"/> or above.</summary>
    public IReadOnlyList<OutboxLogEntry> Errors => [.. _entries.Where(e => e.Level >= LogLevel.Error)];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public override string ToString() => string.Join(Environment.NewLine, _entries.Select(e => e.ToString()));

    private sealed class Logger(OutboxLogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => sink._entries.Enqueue(new OutboxLogEntry(category, logLevel, eventId.Id, formatter(state, exception), exception));
    }
}

/// <summary>One log entry.</summary>
public sealed record OutboxLogEntry(string Category, LogLevel Level, int EventId, string Message, Exception? Exception)
{
    public override string ToString() => $"{Level} {Category}[{EventId}] {Message}{(Exception is null ? string.Empty : " | " + Exception.GetType().Name + ": " + Exception.Message)}";
}
