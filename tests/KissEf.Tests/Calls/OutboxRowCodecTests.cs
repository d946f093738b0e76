using System.Diagnostics;
using System.Text;
using KissEf.Internal.Calls;

namespace KissEf.Tests.Calls;

/// <summary>An outbox row's one writer and one reader agree: the trace header (or none) and the calls, line by line.</summary>
public sealed class OutboxRowCodecTests
{
    private static readonly KissCall[] Calls =
    [
        new("e?_p=ann&_n=Signed%20up&_t=1700000000&_d=1&note=a%26b%3Dc%0A", "/e Signed up"),
        new("s?_p=ann&_t=1700000000&_d=1&city=K%C3%B8benhavn", "/s"),
        new("a?_p=legacy&_n=ann&_t=1700000000&_d=1", "alias (/a)"),
    ];

    [Fact]
    public void A_row_with_a_header_and_tracestate_gives_back_its_trace_and_calls()
    {
        using var activity = new Activity("save").SetIdFormat(ActivityIdFormat.W3C);
        activity.TraceStateString = "kissef=test,other=a b";
        activity.Start();

        var header = KissTraceHeader.Write(activity);
        var row = KissOutboxRowWriter.Join(header, Calls, 0, Calls.Length);

        Assert.Equal($"_traceparent={activity.Id}&_tracestate=kissef%3Dtest%2Cother%3Da%20b\n{Calls[0].Line}\n{Calls[1].Line}\n{Calls[2].Line}", row);
        var read = new KissOutboxRowReader(row);
        Assert.Equal(activity.TraceId, read.Trace.TraceId);
        Assert.Equal(activity.SpanId, read.Trace.SpanId);
        Assert.Equal("kissef=test,other=a b", read.Trace.TraceState);
        Assert.True(read.Trace.IsRemote);
        Assert.Equal(header, read.Header.ToString());
        Assert.Equal(Calls.Select(c => c.Line), Lines(read));
        Assert.Equal(Calls.Select(c => c.Line), read.LineRanges().Select(r => row[r]));
    }

    [Fact]
    public void A_header_without_tracestate_is_the_traceparent_alone()
    {
        using var activity = new Activity("save").SetIdFormat(ActivityIdFormat.W3C).Start();

        var header = KissTraceHeader.Write(activity);
        var row = KissOutboxRowWriter.Join(header, Calls, 1, 1);

        Assert.Equal($"_traceparent={activity.Id}\n{Calls[1].Line}", row);
        var read = new KissOutboxRowReader(row);
        Assert.Equal(activity.TraceId, read.Trace.TraceId);
        Assert.Null(read.Trace.TraceState);
        Assert.Equal([Calls[1].Line], Lines(read));
    }

    [Fact]
    public void A_row_of_an_earlier_version_has_no_header()
    {
        Assert.Null(KissTraceHeader.Write(null));
        Assert.Null(KissTraceHeader.Write(new Activity("save").SetIdFormat(ActivityIdFormat.Hierarchical).Start()));
        var row = string.Join('\n', Calls.Select(c => c.Line));
        Assert.Equal(row, KissOutboxRowWriter.Join(null, Calls, 0, Calls.Length));

        var read = new KissOutboxRowReader(row);

        Assert.Equal(0, read.BodyStart);
        Assert.True(read.Header.IsEmpty);
        Assert.Equal(default, read.Trace);
        Assert.Equal(3, read.Count);
        Assert.Equal(Calls.Select(c => c.Line), Lines(read));
    }

    [Fact]
    public void A_single_call_without_a_header_is_its_own_line()
    {
        Assert.Same(Calls[2].Line, KissOutboxRowWriter.Join(null, Calls, 2, 1));
        Assert.Empty(Lines(new KissOutboxRowReader(string.Empty)));
        Assert.Empty(new KissOutboxRowReader("_traceparent=00-x").LineRanges());
    }

    [Fact]
    public void A_rewritten_row_keeps_its_header_and_the_lines_kept()
    {
        var original = new KissOutboxRowReader("_traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\n" + string.Join('\n', Calls.Select(c => c.Line)));

        var kept = KissOutboxRowWriter.Start(new StringBuilder("stale"), original.Header);
        kept.Line(Calls[0].Line);
        kept.Line(Calls[2].Line);

        Assert.Equal(2, kept.Count);
        Assert.Equal($"_traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\n{Calls[0].Line}\n{Calls[2].Line}", kept.ToString());
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", new KissOutboxRowReader(kept.ToString()).Trace.TraceId.ToHexString());
        var bare = KissOutboxRowWriter.Start(new StringBuilder(), []);
        bare.Line(Calls[1].Line);
        Assert.Equal(Calls[1].Line, bare.ToString());
    }

    private static List<string> Lines(KissOutboxRowReader row)
    {
        var lines = new List<string>();
        foreach (var line in row)
        {
            lines.Add(line.ToString());
        }

        return lines;
    }
}
