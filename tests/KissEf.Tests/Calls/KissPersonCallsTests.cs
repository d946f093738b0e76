using KissEf.Internal.Calls;

namespace KissEf.Tests.Calls;

/// <summary>Issue 20: which calls of an outbox row are about a person, compared as the vendor compares identities.</summary>
public sealed class KissPersonCallsTests
{
    [Theory]
    [InlineData("e?_p=ann%40example.com&_n=Signed%20Up&_t=1", true)]
    [InlineData("e?_p=ANN%40Example.COM&_n=Signed%20Up&_t=1", true)]
    [InlineData("s?_p=ann%40example.com&plan=pro&_t=1", true)]
    [InlineData("a?_p=legacy-7&_n=Ann%40example.com", true)]
    [InlineData("a?_p=ann%40example.com&_n=bob%40example.com", true)]
    [InlineData("e?_p=bob%40example.com&_n=ann%40example.com&_t=1", false)]
    [InlineData("s?_p=bob%40example.com&friend=ann%40example.com&_t=1", false)]
    [InlineData("e?_p=ann%40example.co&_n=Signed%20Up&_t=1", false)]
    public void A_call_is_about_the_person_by_its_person_or_either_side_of_an_alias(string line, bool expected)
        => Assert.Equal(expected, KissPersonCalls.Names(line, "ann@example.com"));

    [Fact]
    public void Accented_identities_are_compared_ignoring_case_once_decoded()
        => Assert.True(KissPersonCalls.Names("e?_p=%C3%89lodie%40example.com&_n=X&_t=1", "élodie@EXAMPLE.com"));

    [Fact]
    public void The_row_without_the_person_keeps_its_header_and_the_other_calls_in_order()
    {
        const string header = "_traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var row = string.Join('\n', header, "e?_p=bob%40x.test&_n=A&_t=1", "e?_p=ann%40x.test&_n=B&_t=1", "a?_p=old&_n=ANN%40x.test", "s?_p=cy%40x.test&k=v&_t=1");

        var (kept, count) = KissPersonCalls.Without(row, "ann@x.test");

        Assert.Equal(2, KissPersonCalls.Count(row, "ann@x.test"));
        Assert.Equal(2, count);
        Assert.Equal(string.Join('\n', header, "e?_p=bob%40x.test&_n=A&_t=1", "s?_p=cy%40x.test&k=v&_t=1"), kept);
        Assert.Equal((header + "\n", 0), KissPersonCalls.Without(header + "\ne?_p=ann%40x.test&_n=B&_t=1", "ann@x.test"));
    }
}
