using Microsoft.Extensions.Logging;

namespace KissEf.Tests.Support;

/// <summary>One log entry as written.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message, string StateValues, Exception? Exception)
{
    /// <summary>Everything a log sink could write: message, structured values, exception with its inner ones.</summary>
    public string FullText => $"{Message} | {StateValues} | {Exception}";

    public override string ToString() => $"{Level} {Category}[{EventId.Id}] {Message}{(Exception is null ? string.Empty : " | " + Exception.GetType().Name + ": " + Exception.Message)}";
}
