using Mta.Tls.Policy;
using Xunit;

namespace Mta.Tls.Tests.Policy;

public sealed class TlsLevelsTests
{
    [Theory]
    [InlineData("none", TlsLevel.None)]
    [InlineData("may", TlsLevel.May)]
    [InlineData("encrypt", TlsLevel.Encrypt)]
    [InlineData("fingerprint", TlsLevel.Fingerprint)]
    [InlineData("verify", TlsLevel.Verify)]
    [InlineData("secure", TlsLevel.Secure)]
    [InlineData("SECURE", TlsLevel.Secure)]
    [InlineData(" Verify ", TlsLevel.Verify)]
    public void Level_words_should_parse_without_regard_to_case(string word, TlsLevel expected)
    {
        Assert.True(TlsLevels.TryParse(word, out TlsLevel level, out string? problem));
        Assert.Equal(expected, level);
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("dane")]
    [InlineData("dane-only")]
    [InlineData("DANE")]
    public void Dane_levels_should_be_refused_with_their_own_explanation(string word)
    {
        Assert.False(TlsLevels.TryParse(word, out _, out string? problem));
        Assert.Contains("is not supported", problem, StringComparison.Ordinal);
        Assert.Contains("DNSSEC", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("strict")]
    [InlineData("must")]
    [InlineData(null)]
    public void Other_words_should_be_refused_listing_the_valid_ones(string? word)
    {
        Assert.False(TlsLevels.TryParse(word, out _, out string? problem));
        Assert.Contains("invalid security level", problem, StringComparison.Ordinal);
        Assert.Contains(TlsLevels.Expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_level_should_round_trip_through_its_word()
    {
        foreach (TlsLevel level in Enum.GetValues<TlsLevel>())
        {
            Assert.True(TlsLevels.TryParse(level.ToWord(), out TlsLevel parsed, out _));
            Assert.Equal(level, parsed);
        }
    }

    [Fact]
    public void Levels_should_be_ordered_from_weakest_to_strongest()
    {
        TlsLevel[] expected = [TlsLevel.None, TlsLevel.May, TlsLevel.Encrypt, TlsLevel.Fingerprint, TlsLevel.Verify, TlsLevel.Secure];

        Assert.Equal(expected, Enum.GetValues<TlsLevel>().Order());
    }

    [Theory]
    [InlineData(TlsLevel.None, false)]
    [InlineData(TlsLevel.May, false)]
    [InlineData(TlsLevel.Encrypt, true)]
    [InlineData(TlsLevel.Fingerprint, true)]
    [InlineData(TlsLevel.Verify, true)]
    [InlineData(TlsLevel.Secure, true)]
    public void Encrypt_and_stronger_should_require_tls(TlsLevel level, bool required)
    {
        Assert.Equal(required, level.RequiresTls());
    }
}
