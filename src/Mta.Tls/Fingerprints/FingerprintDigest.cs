namespace Mta.Tls;

/// <summary>
/// The message digest of a certificate or public-key fingerprint, as chosen by
/// <c>mta.smtpd.tls.fingerprint-digest</c> and <c>mta.smtp.tls.fingerprint-digest</c>
/// (Postfix's <c>smtpd_tls_fingerprint_digest</c>).
/// </summary>
public enum FingerprintDigest
{
    /// <summary>SHA-256, 32 bytes: the default.</summary>
    Sha256,

    /// <summary>SHA-1, 20 bytes.</summary>
    Sha1,

    /// <summary>MD5, 16 bytes: Postfix's old default, still found in relay tables.</summary>
    Md5,

    /// <summary>SHA-512, 64 bytes.</summary>
    Sha512,
}

/// <summary>The configuration words of <see cref="FingerprintDigest"/> and the digest lengths.</summary>
public static class FingerprintDigests
{
    /// <summary>The configuration words, in the order of the enum: <c>sha256, sha1, md5, sha512</c>.</summary>
    public static IReadOnlyList<string> ConfigWords { get; } = ["sha256", "sha1", "md5", "sha512"];

    /// <summary>
    /// Reads a configuration word (<c>sha256</c>, <c>sha1</c>, <c>md5</c> or <c>sha512</c>, any case).
    /// Numbers and enum member names other than these words are refused.
    /// </summary>
    public static bool TryParse(string? word, out FingerprintDigest digest)
    {
        for (var i = 0; i < ConfigWords.Count; i++)
        {
            if (string.Equals(word, ConfigWords[i], StringComparison.OrdinalIgnoreCase))
            {
                digest = (FingerprintDigest)i;
                return true;
            }
        }

        digest = default;
        return false;
    }

    /// <summary>The configuration word of <paramref name="digest"/>, such as <c>sha256</c>.</summary>
    public static string ToConfigWord(this FingerprintDigest digest) => ConfigWords[Index(digest)];

    /// <summary>How many bytes the digest has: 16 for MD5, 20 for SHA-1, 32 for SHA-256, 64 for SHA-512.</summary>
    public static int ByteLength(this FingerprintDigest digest) => digest switch
    {
        FingerprintDigest.Sha256 => 32,
        FingerprintDigest.Sha1 => 20,
        FingerprintDigest.Md5 => 16,
        FingerprintDigest.Sha512 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(digest), digest, "not a fingerprint digest"),
    };

    private static int Index(FingerprintDigest digest) =>
        (uint)digest < (uint)ConfigWords.Count
            ? (int)digest
            : throw new ArgumentOutOfRangeException(nameof(digest), digest, "not a fingerprint digest");
}
