using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Support;

/// <summary>Captures every log entry of a host, at every level, with event ids, for assertions.</summary>
public sealed class TestLogCollector : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();

    public IReadOnlyList<CapturedLog> Entries => [.. _entries];

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

/// <summary>One log entry as written.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message, string StateValues, Exception? Exception)
{
    /// <summary>Everything a log sink could write: message, structured values, exception with its inner ones.</summary>
    public string FullText => $"{Message} | {StateValues} | {Exception}";

    public override string ToString() => $"{Level} {Category}[{EventId.Id}] {Message}{(Exception is null ? string.Empty : " | " + Exception.GetType().Name + ": " + Exception.Message)}";
}
