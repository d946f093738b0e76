using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using KissEf.Internal.Calls;

namespace KissEf.Internal.Backfill;

/// <summary>
/// Writes calls in the vendor's JSON import format ("JSON Files as an External Data Source"): one JSON object per
/// line, <c>"_p"</c> and <c>"_t"</c> (Unix seconds) always, then <c>"_n"</c> for an event, <c>"_p2"</c> for an
/// alias, and every other name a property. Built from the call's encoded line, so an export holds exactly what
/// would have been sent (<c>_d</c>, the "use my time" flag of the HTTP API, has no place in the import).
/// </summary>
internal sealed class KissImportLines(Stream output) : IDisposable
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    // A file for the importer, not a web page: only what JSON itself needs is escaped (quotes, backslash, controls).
    private readonly Utf8JsonWriter _json = new(Stream.Null, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    public void Write(KissCall call)
    {
        _json.Reset(_buffer);
        _json.WriteStartObject();
        var line = call.Line;
        var kind = line[0];
        string? time = null;
        var query = line.AsSpan(2);
        while (!query.IsEmpty)
        {
            var end = query.IndexOf('&');
            var pair = end < 0 ? query : query[..end];
            query = end < 0 ? [] : query[(end + 1)..];
            var eq = pair.IndexOf('=');
            var name = Uri.UnescapeDataString(pair[..eq].ToString());
            var value = Uri.UnescapeDataString(pair[(eq + 1)..].ToString());
            switch (name)
            {
                case "_t":
                    time = value;
                    break;
                case "_d":
                    break;
                case "_n" when kind == 'a':
                    _json.WriteString("_p2", value);
                    break;
                default:
                    _json.WriteString(name, value);
                    break;
            }
        }

        _json.WriteNumber("_t", long.Parse(time!, NumberStyles.None, CultureInfo.InvariantCulture));
        _json.WriteEndObject();
        _json.Flush();
        _buffer.Write(NewLine);
    }

    public void Dispose() => _json.Dispose();

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await output.WriteAsync(_buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        _buffer.ResetWrittenCount();
    }
}
