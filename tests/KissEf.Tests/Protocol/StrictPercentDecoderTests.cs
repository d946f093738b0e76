namespace KissEf.Tests.Protocol;

/// <summary>The test decoder is as strict as it claims: what it accepts is exactly RFC 3986 unreserved or %XX UTF-8.</summary>
public sealed class StrictPercentDecoderTests
{
    [Theory]
    [InlineData("abc-._~XYZ019", "abc-._~XYZ019")]
    [InlineData("a%20b", "a b")]
    [InlineData("%2B%26%3D%25", "+&=%")]
    [InlineData("%C3%A9%E6%97%A5%F0%9F%8E%89", "é日🎉")]
    [InlineData("%00", "\0")]
    [InlineData("", "")]
    public void Decodes_unreserved_characters_and_escapes(string encoded, string text)
        => Assert.Equal(text, StrictPercentDecoder.Decode(encoded));

    [Theory]
    [InlineData("a+b")]         // a form decoder's space
    [InlineData("a b")]
    [InlineData("a&b")]
    [InlineData("a=b")]
    [InlineData("%2")]
    [InlineData("%zz")]
    [InlineData("%2b")]         // lower-case hex
    [InlineData("%FF")]         // not UTF-8
    [InlineData("%C0%AF")]      // overlong '/'
    [InlineData("%ED%A0%80")]   // an encoded surrogate (CESU-8)
    [InlineData("%EF%BF")]      // a truncated sequence
    [InlineData("é")]           // not encoded
    public void Rejects_anything_else(string encoded)
        => Assert.Throws<FormatException>(() => StrictPercentDecoder.Decode(encoded));

    [Fact]
    public void Decodes_pairs_in_order_and_rejects_a_pair_without_a_name()
    {
        Assert.Equal(
            [new("_k", "k+1"), new("_p", "a b"), new("v", string.Empty)],
            StrictPercentDecoder.DecodePairs("_k=k%2B1&_p=a%20b&v="));
        Assert.Throws<FormatException>(() => StrictPercentDecoder.DecodePairs("_p=a&&v=b"));
        Assert.Throws<FormatException>(() => StrictPercentDecoder.DecodePairs("=a"));
    }
}
