using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using KissEf.Internal.Calls;

namespace KissEf.Internal.Backfill;

/// <summary>
/// Writes calls in the vendor's JSON import format ("JSON Files as an External Data Source"): one JSON object per
/// line, <c>"_p"</c> and <c>"_t"</c> (Unix seconds) always, then <c>"_n"</c> for an event, <c>"_p2"</c> for an
/// alias, and every other name a property. Built from the call's encoded line, read by <see cref="KissCallReader"/>,
/// so an export holds exactly what would have been sent (<c>_d</c>, the "use my time" flag of the HTTP API, has no
/// place in the import).
/// </summary>
internal sealed class KissImportLines(Stream output) : IDisposable
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    // A file for the importer, not a web page: only what JSON itself needs is escaped (quotes, backslash, controls).
    private readonly Utf8JsonWriter _json = new(Stream.Null, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    private char[] _text = new char[1024];

    public void Write(KissCall call)
    {
        _json.Reset(_buffer);
        _json.WriteStartObject();
        var reader = new KissCallReader(call.Line);
        var alias = reader.Kind == KissCallKind.Alias;
        long? time = null;
        var parameters = reader.Parameters;
        while (parameters.MoveNext())
        {
            // The protocol's names are never escaped (no character of theirs needs it): compared as written.
            var name = parameters.Name;
            if (name.SequenceEqual(KissCallLine.Time))
            {
                time = long.Parse(parameters.Value, NumberStyles.None, CultureInfo.InvariantCulture);
            }
            else if (!name.SequenceEqual(KissCallLine.UseTime))
            {
                // Decoded into one reused buffer: a property costs no string.
                var value = parameters.Value;
                if (_text.Length < name.Length + value.Length)
                {
                    _text = new char[Math.Max(_text.Length * 2, name.Length + value.Length)];
                }

                var nameLength = KissCallReader.Unescape(name, _text);
                var valueLength = KissCallReader.Unescape(value, _text.AsSpan(nameLength));
                _json.WriteString(
                    alias && name.SequenceEqual(KissCallLine.Name) ? "_p2" : _text.AsSpan(0, nameLength),
                    _text.AsSpan(nameLength, valueLength));
            }
        }

        _json.WriteNumber("_t", time!.Value);
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
