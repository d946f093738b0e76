using System.Diagnostics;
using System.Text;
using KissEf.Internal.Calls;

namespace KissEf.Tests.Calls;

/// <summary>An outbox row's one writer and one reader agree: the header (the trace, the tenant, or none) and the calls, line by line.</summary>
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

    [Fact]
    public void A_rows_tenant_follows_its_trace_on_the_header_line_encoded_and_is_read_back_with_it()
    {
        using var activity = new Activity("save").SetIdFormat(ActivityIdFormat.W3C);
        activity.TraceStateString = "kissef=test";
        activity.Start();

        var header = KissTenantHeader.Append(KissTraceHeader.Write(activity), "acme & co\n1");
        var row = KissOutboxRowWriter.Join(header, Calls, 0, Calls.Length);

        Assert.Equal($"_traceparent={activity.Id}&_tracestate=kissef%3Dtest&_tenant=acme%20%26%20co%0A1", row.Split('\n')[0]);
        var read = new KissOutboxRowReader(row);
        Assert.Equal("acme & co\n1", read.Tenant);
        Assert.Equal(activity.TraceId, read.Trace.TraceId);
        Assert.Equal("kissef=test", read.Trace.TraceState);
        Assert.Equal(Calls.Select(c => c.Line), Lines(read));
    }

    [Fact]
    public void A_tenant_without_a_trace_is_the_header_alone_and_a_trace_without_state_is_read_before_it()
    {
        var row = KissOutboxRowWriter.Join(KissTenantHeader.Append(null, "a"), Calls, 1, 1);
        Assert.Equal($"_tenant=a\n{Calls[1].Line}", row);
        Assert.Equal("a", new KissOutboxRowReader(row).Tenant);
        Assert.Equal(default, new KissOutboxRowReader(row).Trace);
        Assert.Equal([Calls[1].Line], Lines(new KissOutboxRowReader(row)));

        var traced = new KissOutboxRowReader("_traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01&_tenant=b\n" + Calls[0].Line);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", traced.Trace.TraceId.ToHexString());
        Assert.Equal("b", traced.Tenant);

        // No tenant: the header is the trace's alone, and a row of no tenant (or without a header) names none.
        Assert.Null(KissTenantHeader.Append(null, null));
        Assert.Equal("_traceparent=x", KissTenantHeader.Append("_traceparent=x", null));
        Assert.Null(new KissOutboxRowReader("_traceparent=00-x&_tracestate=a_tenant%3Db\n" + Calls[0].Line).Tenant);
        Assert.Null(new KissOutboxRowReader(Calls[0].Line).Tenant);
    }

    [Fact]
    public void A_rewritten_row_keeps_its_tenant()
    {
        var original = new KissOutboxRowReader("_tenant=a\n" + string.Join('\n', Calls.Select(c => c.Line)));

        var kept = KissOutboxRowWriter.Start(new StringBuilder(), original.Header);
        kept.Line(Calls[2].Line);

        Assert.Equal($"_tenant=a\n{Calls[2].Line}", kept.ToString());
        Assert.Equal("a", new KissOutboxRowReader(kept.ToString()).Tenant);
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
