using Xunit;

namespace Mta.Tls.Tests.Fingerprints;

/// <summary>The configuration words of the fingerprint digests.</summary>
public sealed class FingerprintDigestTests
{
    [Theory]
    [InlineData("sha256", FingerprintDigest.Sha256)]
    [InlineData("SHA256", FingerprintDigest.Sha256)]
    [InlineData("sha1", FingerprintDigest.Sha1)]
    [InlineData("Sha1", FingerprintDigest.Sha1)]
    [InlineData("md5", FingerprintDigest.Md5)]
    [InlineData("MD5", FingerprintDigest.Md5)]
    [InlineData("sha512", FingerprintDigest.Sha512)]
    public void A_config_word_in_any_case_names_its_digest(string word, FingerprintDigest expected)
    {
        Assert.True(FingerprintDigests.TryParse(word, out var digest));
        Assert.Equal(expected, digest);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sha-256")]
    [InlineData("sha384")]
    [InlineData(" sha256")]
    [InlineData("0")]
    [InlineData("2")]
    [InlineData("Sha256, Md5")]
    public void Anything_else_is_not_a_digest(string? word)
    {
        Assert.False(FingerprintDigests.TryParse(word, out _));
    }

    [Theory]
    [InlineData(FingerprintDigest.Sha256, "sha256", 32)]
    [InlineData(FingerprintDigest.Sha1, "sha1", 20)]
    [InlineData(FingerprintDigest.Md5, "md5", 16)]
    [InlineData(FingerprintDigest.Sha512, "sha512", 64)]
    public void Each_digest_has_its_word_and_length(FingerprintDigest digest, string word, int bytes)
    {
        Assert.Equal(word, digest.ToConfigWord());
        Assert.Equal(bytes, digest.ByteLength());
        Assert.True(FingerprintDigests.TryParse(digest.ToConfigWord(), out var roundTrip));
        Assert.Equal(digest, roundTrip);
    }
}
