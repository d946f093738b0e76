using System.Text;
using KissEf.Internal.Calls;

namespace KissEf.Tests.Calls;

/// <summary>The call line's one writer and one reader agree: what is written is read back exactly, escaping included.</summary>
public sealed class CallLineCodecTests
{
    private static readonly DateTimeOffset Time = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    [Fact]
    public void An_event_with_ampersands_equals_signs_and_non_ASCII_round_trips()
    {
        var writer = KissCallWriter.Start(new StringBuilder(), KissCallKind.Event, "ann+1@example.com");
        writer.Name("Paid & shipped");
        writer.Time(Time);
        writer.EscapedProperty(KissCallWriter.Escape("plan=a&b"), "x&_k=stolen&_p=eve=1 é 日 🎉");
        var line = writer.ToString();

        Assert.Equal(
            "e?_p=ann%2B1%40example.com&_n=Paid%20%26%20shipped&_t=1700000000&_d=1"
            + "&plan%3Da%26b=x%26_k%3Dstolen%26_p%3Deve%3D1%20%C3%A9%20%E6%97%A5%20%F0%9F%8E%89",
            line);
        var call = new KissCallReader(line);
        Assert.Equal(KissCallKind.Event, call.Kind);
        Assert.Equal('e', KissCallReader.Letter(line));
        Assert.Equal("ann+1@example.com", call.Person);
        Assert.Equal("Paid & shipped", call.Name);
        Assert.Equal(1_700_000_000, call.Time);
        Assert.Equal(
            [("_p", "ann+1@example.com"), ("_n", "Paid & shipped"), ("_t", "1700000000"), ("_d", "1"), ("plan=a&b", "x&_k=stolen&_p=eve=1 é 日 🎉")],
            Decoded(line));
    }

    [Fact]
    public void An_alias_carries_both_identities_and_a_set_has_no_name()
    {
        var alias = KissCallWriter.Start(new StringBuilder(), KissCallKind.Alias, "legacy 1001");
        alias.Name("ann@example.com");
        alias.Time(Time);
        var aliasCall = new KissCallReader(alias.ToString());
        Assert.Equal(KissCallKind.Alias, aliasCall.Kind);
        Assert.Equal("legacy 1001", aliasCall.Person);
        Assert.Equal("ann@example.com", aliasCall.Name);
        Assert.Equal("alias", KissCall.Describe(alias.ToString()));

        var set = KissCallWriter.Start(new StringBuilder(), KissCallKind.Set, "ann");
        set.Time(Time);
        set.EscapedProperty("plan", "gold");
        var setCall = new KissCallReader(set.ToString());
        Assert.Equal(KissCallKind.Set, setCall.Kind);
        Assert.Null(setCall.Name);
        Assert.Equal("property set", KissCall.Describe(set.ToString()));
    }

    [Theory]
    [InlineData("ann")]
    [InlineData("ann+1@example.com")]
    [InlineData("~keep-this_as.is~")]
    [InlineData("é 日 🎉 & = ? # / %")]
    [InlineData("lone \uD800 surrogate")]
    public void A_value_is_escaped_into_the_line_exactly_as_EscapeDataString_escapes_it(string value)
    {
        // The writer escapes into its builder (on the stack, or into a string past 128 characters) instead of
        // appending EscapeDataString's string: the text sent must stay the same, short or long.
        foreach (var text in new[] { value, string.Concat(Enumerable.Repeat(value, 60)), "x" + value })
        {
            var writer = KissCallWriter.Start(KissCallKind.Event, text);
            writer.Name(text);
            writer.EscapedProperty("v", text);
            var escaped = Uri.EscapeDataString(text);

            Assert.Equal($"e?_p={escaped}&_n={escaped}&v={escaped}", writer.Finish());
        }
    }

    [Fact]
    public void A_call_written_while_another_is_being_written_on_the_thread_leaves_the_first_intact()
    {
        // A map expression may run between Start and Finish: a call it writes takes a builder of its own.
        var outer = KissCallWriter.Start(KissCallKind.Set, "ann");
        var inner = KissCallWriter.Start(KissCallKind.Set, "bob");
        inner.EscapedProperty("plan", "basic");
        Assert.Equal("s?_p=bob&plan=basic", inner.Finish());
        outer.EscapedProperty("plan", "gold");
        Assert.Equal("s?_p=ann&plan=gold", outer.Finish());

        var next = KissCallWriter.Start(KissCallKind.Set, "cy");
        Assert.Equal("s?_p=cy", next.Finish());
    }

    [Fact]
    public void The_path_and_query_are_what_the_sender_requests()
    {
        var call = new KissCallReader("e?_p=ann&_n=Signed%20up&_t=1700000000&_d=1");

        Assert.Equal("e", call.Path.ToString());
        Assert.Equal("_p=ann&_n=Signed%20up&_t=1700000000&_d=1", call.Query.ToString());
        Assert.Equal("event 'Signed up'", KissCall.Describe(call.Line));
    }

    [Fact]
    public void Retiming_moves_only_the_time()
    {
        var line = "e?_p=ann&_n=_t&_t=1700000000&_d=1&at=_t%3D1700000000";

        var moved = KissCallWriter.Retime(line, 1_700_000_000, 1_700_000_002);

        Assert.Equal("e?_p=ann&_n=_t&_t=1700000002&_d=1&at=_t%3D1700000000", moved);
        Assert.Equal(1_700_000_002, new KissCallReader(moved).Time);
    }

    [Fact]
    public void Parameters_skip_empty_pairs_and_take_a_pair_without_equals_as_an_empty_value()
    {
        Assert.Equal([("_p", "ann"), ("flag", ""), ("x", "")], Decoded("s?_p=ann&&flag&x="));
        Assert.Empty(Decoded("s"));
        Assert.Null(new KissCallReader("x?_p=ann").Kind);
        Assert.Null(new KissCallReader(string.Empty).Kind);
    }

    [Fact]
    public void Unescaping_into_a_buffer_makes_no_string()
    {
        var buffer = new char[32];

        var length = KissCallReader.Unescape("a%20%C3%A9%26b", buffer);

        Assert.Equal("a é&b", buffer.AsSpan(0, length).ToString());
    }

    private static List<(string Name, string Value)> Decoded(string line)
    {
        var decoded = new List<(string, string)>();
        var parameters = new KissCallReader(line).Parameters;
        while (parameters.MoveNext())
        {
            decoded.Add((KissCallReader.Unescape(parameters.Name), KissCallReader.Unescape(parameters.Value)));
        }

        return decoded;
    }
}
