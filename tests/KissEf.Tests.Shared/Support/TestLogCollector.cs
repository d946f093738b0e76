using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Support;

/// <summary>
/// Captures the log entries of one host (every entry its logging filters let through), with event ids and structured
/// values, for assertions and failure messages. Used by <see cref="TestHost"/> and <see cref="OutboxTestHost"/>.
/// </summary>
public sealed class TestLogCollector : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();

    public IReadOnlyList<CapturedLog> Entries => [.. _entries];

    /// <summary>Entries at <see cref="LogLevel.Error"/> or above.</summary>
    public IReadOnlyList<CapturedLog> Errors => [.. _entries.Where(e => e.Level >= LogLevel.Error)];

    /// <summary>Entries written by KissEf (categories "KissEf" and "KissEf.*").</summary>
    public IReadOnlyList<CapturedLog> Kiss => [.. _entries.Where(e => e.Category == "KissEf" || e.Category.StartsWith("KissEf.", StringComparison.Ordinal))];

    /// <summary>Entries with <paramref name="eventId"/>.</summary>
    public IReadOnlyList<CapturedLog> WithEventId(int eventId) => [.. _entries.Where(e => e.EventId.Id == eventId)];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public override string ToString() => string.Join(Environment.NewLine, _entries.Select(e => e.ToString()));

    private sealed class Logger(TestLogCollector sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // The structured values too: a sink that writes them (JSON console, Seq) must not leak anything either.
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join("; ", pairs.Select(p => $"{p.Key}={p.Value}"))
                : string.Empty;
            sink._entries.Enqueue(new CapturedLog(category, logLevel, eventId, formatter(state, exception), values, exception));
        }
    }
}
