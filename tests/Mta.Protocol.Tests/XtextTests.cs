namespace Mta.Protocol.Tests;

public sealed class XtextTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a+2Bb", "a+b")]
    [InlineData("a+3Db", "a=b")]
    [InlineData("a+3db", "a=b")]
    [InlineData("+20", " ")]
    [InlineData("", "")]
    [InlineData("ünï", "ünï")]
    public void Valid_xtext_should_decode(string text, string expected)
    {
        Assert.True(Xtext.TryDecode(text, out string? decoded));
        Assert.Equal(expected, decoded);
    }

    [Theory]
    [InlineData("+")]
    [InlineData("a+2")]
    [InlineData("a+GG")]
    [InlineData("a b")]
    [InlineData("a=b")]
    [InlineData("a\tb")]
    public void Invalid_xtext_should_not_decode(string text)
    {
        Assert.False(Xtext.TryDecode(text, out string? decoded));
        Assert.Null(decoded);
    }

    [Theory]
    [InlineData("user@example.org", "user@example.org")]
    [InlineData("a+b=c d", "a+2Bb+3Dc+20d")]
    [InlineData("line\r\n", "line+0D+0A")]
    [InlineData("jörg", "jörg")]
    public void Encode_should_escape_what_xtext_cannot_carry_and_round_trip(string text, string expected)
    {
        string encoded = Xtext.Encode(text);

        Assert.Equal(expected, encoded);
        Assert.True(Xtext.TryDecode(encoded, out string? decoded));
        Assert.Equal(text, decoded);
    }
}
