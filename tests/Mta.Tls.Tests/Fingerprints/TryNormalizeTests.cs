using Xunit;

namespace Mta.Tls.Tests.Fingerprints;

/// <summary>Fingerprints written by people, as relay tables and match= values hold them.</summary>
public sealed class TryNormalizeTests
{
    private static string Pairs(int count, string pair = "ab") => string.Join(':', Enumerable.Repeat(pair, count));

    public static TheoryData<string, FingerprintDigest, string> Valid => new()
    {
        { Pairs(16), FingerprintDigest.Md5, Pairs(16, "AB") },
        { Pairs(20), FingerprintDigest.Sha1, Pairs(20, "AB") },
        { Pairs(32), FingerprintDigest.Sha256, Pairs(32, "AB") },
        { Pairs(64), FingerprintDigest.Sha512, Pairs(64, "AB") },
        { Pairs(32, "aB"), FingerprintDigest.Sha256, Pairs(32, "AB") },
        { Pairs(32, "09"), FingerprintDigest.Sha256, Pairs(32, "09") },
        // The seed's Tabella 2 keys: 16 bytes, i.e. MD5.
        { "D7:04:B6:6E:2F:19:C8:A7:2A:7E:DC:FB:1F:7A:6C:04", FingerprintDigest.Md5, "D7:04:B6:6E:2F:19:C8:A7:2A:7E:DC:FB:1F:7A:6C:04" },
        { "d7:04:b6:6e:2f:19:c8:a7:2a:7e:dc:fb:1f:7a:6c:04", FingerprintDigest.Md5, "D7:04:B6:6E:2F:19:C8:A7:2A:7E:DC:FB:1F:7A:6C:04" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void A_fingerprint_of_the_digest_length_in_any_case_becomes_uppercase(string text, FingerprintDigest digest, string expected)
    {
        Assert.True(Fingerprint.TryNormalize(text, digest, out var normalized, out var problem), problem);
        Assert.Equal(expected, normalized);
        Assert.Null(problem);
    }

    public static TheoryData<string?, FingerprintDigest, string> Invalid => new()
    {
        { null, FingerprintDigest.Sha256, "empty" },
        { "", FingerprintDigest.Sha256, "empty" },
        { Pairs(16), FingerprintDigest.Sha256, "has 16 bytes but sha256 fingerprints have 32 (16 bytes is the length of md5 fingerprints" },
        { Pairs(32), FingerprintDigest.Md5, "has 32 bytes but md5 fingerprints have 16 (32 bytes is the length of sha256 fingerprints" },
        { Pairs(20), FingerprintDigest.Sha512, "has 20 bytes but sha512 fingerprints have 64 (20 bytes is the length of sha1 fingerprints" },
        { Pairs(31), FingerprintDigest.Sha256, "has 31 bytes but sha256 fingerprints have 32" },
        { Pairs(33), FingerprintDigest.Sha256, "has 33 bytes but sha256 fingerprints have 32" },
        { new string('a', 64), FingerprintDigest.Sha256, "no ':' between its bytes" },
        { new string('a', 32), FingerprintDigest.Md5, "no ':' between its bytes" },
        { new string('a', 30), FingerprintDigest.Md5, "byte 1 of the fingerprint, 'aaaaaaaaaaaaaaaa...', is not a pair" },
        { Pairs(15) + ":", FingerprintDigest.Md5, "byte 16 of the fingerprint is empty" },
        { ":" + Pairs(16), FingerprintDigest.Md5, "byte 1 of the fingerprint is empty" },
        { "ab::" + Pairs(15), FingerprintDigest.Md5, "byte 2 of the fingerprint is empty" },
        { Pairs(15) + ":a", FingerprintDigest.Md5, "byte 16 of the fingerprint, 'a', is not a pair" },
        { Pairs(15) + ":abc", FingerprintDigest.Md5, "byte 16 of the fingerprint, 'abc', is not a pair" },
        { Pairs(15) + ":g0", FingerprintDigest.Md5, "byte 16 of the fingerprint, 'g0', is not a pair" },
        { Pairs(16).Replace(':', '-'), FingerprintDigest.Md5, "byte 1 of the fingerprint, 'ab-ab-ab-ab-ab-a...', is not a pair" },
        { Pairs(16).Replace(':', ' '), FingerprintDigest.Md5, "byte 1 of the fingerprint, 'ab ab ab ab ab a...', is not a pair" },
        { " " + Pairs(16), FingerprintDigest.Md5, "byte 1 of the fingerprint, ' ab', is not a pair" },
        { Pairs(16) + "\n", FingerprintDigest.Md5, "byte 16 of the fingerprint, 'ab?', is not a pair" },
        { Pairs(15) + ":\u0661\u0662", FingerprintDigest.Md5, "is not a pair" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void A_malformed_fingerprint_is_refused_with_a_problem_that_says_why(string? text, FingerprintDigest digest, string expectedProblem)
    {
        Assert.False(Fingerprint.TryNormalize(text, digest, out var normalized, out var problem));
        Assert.Equal(string.Empty, normalized);
        Assert.Contains(expectedProblem, problem, StringComparison.Ordinal);
    }
}
