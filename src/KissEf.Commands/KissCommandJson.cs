using System.Text.Encodings.Web;
using System.Text.Json;

namespace KissEf.Commands;

/// <summary>The one way the commands write <c>--json</c>: camelCase, indented, and readable as the docs show it.</summary>
internal static class KissCommandJson
{
    /// <summary>
    /// Relaxed escaping: the text goes to a terminal or a script, never into HTML, and must read as the docs show it
    /// ("Connection refused (&lt;host&gt;)", not "\u003Chost\u003E"); quotes and control characters are still escaped.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
