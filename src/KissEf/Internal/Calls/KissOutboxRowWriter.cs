using System.Text;

namespace KissEf.Internal.Calls;

/// <summary>
/// THE writer of an outbox row's text (the <c>Calls</c> column; <see cref="KissOutboxRowReader"/> reads it): an
/// optional header line (the save's trace, <see cref="KissTraceHeader"/>; with tenants its tenant,
/// <see cref="KissTenantHeader"/>), then one call line per call, joined by '\n'.
/// <c>KissOutboxWriter</c> joins a save's calls with <see cref="Join"/> (one string per row); the outbox dispatcher
/// rewrites what a row keeps after an attempt with <see cref="Start"/> and <see cref="Line"/>, under the same header,
/// so the calls kept stay with the trace of their save.
/// </summary>
/// <remarks>A mutable struct over the caller's builder, so rewriting a row costs its text only.</remarks>
internal struct KissOutboxRowWriter
{
    /// <summary>What separates the lines of a row; a call line never holds it.</summary>
    public const char Separator = '\n';

    private readonly StringBuilder _builder;

    private KissOutboxRowWriter(StringBuilder builder) => _builder = builder;

    /// <summary>How many call lines were written.</summary>
    public int Count { get; private set; }

    /// <summary>Starts a row in <paramref name="builder"/> with <paramref name="header"/> (none when empty).</summary>
    public static KissOutboxRowWriter Start(StringBuilder builder, ReadOnlySpan<char> header)
    {
        builder.Clear();
        if (!header.IsEmpty)
        {
            builder.Append(header).Append(Separator);
        }

        return new KissOutboxRowWriter(builder);
    }

    /// <summary>Appends a call's line.</summary>
    public void Line(ReadOnlySpan<char> line)
    {
        if (Count++ > 0)
        {
            _builder.Append(Separator);
        }

        _builder.Append(line);
    }

    /// <summary>The row's text.</summary>
    public override readonly string ToString() => _builder.ToString();

    /// <summary>
    /// The row of <paramref name="count"/> calls from <paramref name="start"/>, after <paramref name="header"/> if
    /// there is one, in one allocation (none for a single call without a header: its line is the row).
    /// </summary>
    public static string Join(string? header, IReadOnlyList<KissCall> calls, int start, int count)
    {
        if (count == 1 && header is null)
        {
            return calls[start].Line;
        }

        var length = header is null ? count - 1 : header.Length + count;
        for (var i = 0; i < count; i++)
        {
            length += calls[start + i].Line.Length;
        }

        return string.Create(length, (header, calls, start, count), static (span, state) =>
        {
            var at = 0;
            if (state.header is { } header)
            {
                header.AsSpan().CopyTo(span);
                at = header.Length;
                span[at++] = Separator;
            }

            for (var i = 0; i < state.count; i++)
            {
                if (i > 0)
                {
                    span[at++] = Separator;
                }

                var line = state.calls[state.start + i].Line;
                line.AsSpan().CopyTo(span[at..]);
                at += line.Length;
            }
        });
    }
}
