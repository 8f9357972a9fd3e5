using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mta.Tls;

/// <summary>
/// Certificate and public-key fingerprints as Postfix computes them for <c>relay_clientcerts</c> and
/// the <c>fingerprint</c> security level, written exactly as <c>openssl x509 -noout -fingerprint</c>
/// prints them after the <c>=</c>: uppercase hex pairs joined by <c>:</c>.
/// </summary>
public static class Fingerprint
{
    private const char Separator = ':';
    private const string HexDigits = "0123456789ABCDEF";

    /// <summary>The digest of the DER-encoded certificate, such as <c>3A:0F:...:C2</c>.</summary>
    public static string OfCertificate(X509Certificate2 certificate, FingerprintDigest digest)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Format(Hash(digest, certificate.RawDataMemory.Span));
    }

    /// <summary>
    /// The digest of the DER-encoded SubjectPublicKeyInfo. It stays the same when a certificate is
    /// renewed with the same key, which is why Postfix prefers it for relay permissions.
    /// </summary>
    public static string OfPublicKey(X509Certificate2 certificate, FingerprintDigest digest)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Format(Hash(digest, certificate.PublicKey.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>
    /// Checks a fingerprint written by a person (a table key, a <c>match=</c> value) and returns it in the
    /// canonical form the computed fingerprints have, so that lookups can compare ordinally. Any case is
    /// accepted; the text must be hex pairs separated by <c>:</c>, as many as the digest has bytes. On
    /// failure <paramref name="normalized"/> is empty and <paramref name="problem"/> says what is wrong, for an
    /// error message that adds the line number.
    /// </summary>
    public static bool TryNormalize(
        string? text,
        FingerprintDigest digest,
        out string normalized,
        [NotNullWhen(false)] out string? problem)
    {
        normalized = string.Empty;
        var expectedBytes = digest.ByteLength();
        if (string.IsNullOrEmpty(text))
        {
            problem = "the fingerprint is empty";
            return false;
        }

        if (!text.Contains(Separator, StringComparison.Ordinal) && text.Length == 2 * expectedBytes && IsHex(text))
        {
            problem = "the fingerprint has no ':' between its bytes; write it as openssl prints it (AB:CD:...)";
            return false;
        }

        var pairs = text.Split(Separator);
        for (var i = 0; i < pairs.Length; i++)
        {
            if (pairs[i].Length != 2 || !IsHex(pairs[i]))
            {
                problem = pairs[i].Length == 0
                    ? $"byte {i + 1} of the fingerprint is empty (a stray ':')"
                    : $"byte {i + 1} of the fingerprint, '{Printable(pairs[i])}', is not a pair of hexadecimal digits";
                return false;
            }
        }

        if (pairs.Length != expectedBytes)
        {
            problem = $"the fingerprint has {pairs.Length} bytes but {digest.ToConfigWord()} fingerprints have {expectedBytes}"
                + DigestOfLength(pairs.Length);
            return false;
        }

        normalized = text.ToUpperInvariant();
        problem = null;
        return true;
    }

    /// <summary>Writes digest bytes as uppercase hex pairs joined by <c>:</c>.</summary>
    internal static string Format(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return string.Empty;
        Span<char> text = bytes.Length <= 128 ? stackalloc char[(3 * bytes.Length) - 1] : new char[(3 * bytes.Length) - 1];
        for (var i = 0; i < bytes.Length; i++)
        {
            if (i > 0) text[(3 * i) - 1] = Separator;
            text[3 * i] = HexDigits[bytes[i] >> 4];
            text[(3 * i) + 1] = HexDigits[bytes[i] & 0xF];
        }
        return new string(text);
    }

    // MD5 and SHA-1 are used here only as lookup keys that operators chose, not for integrity.
    [SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "fingerprint lookup key chosen by configuration")]
    [SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "fingerprint lookup key chosen by configuration")]
    private static byte[] Hash(FingerprintDigest digest, ReadOnlySpan<byte> data) => digest switch
    {
        FingerprintDigest.Sha256 => SHA256.HashData(data),
        FingerprintDigest.Sha1 => SHA1.HashData(data),
        FingerprintDigest.Md5 => MD5.HashData(data),
        FingerprintDigest.Sha512 => SHA512.HashData(data),
        _ => throw new ArgumentOutOfRangeException(nameof(digest), digest, "not a fingerprint digest"),
    };

    private static bool IsHex(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c)) return false;
        }
        return true;
    }

    /// <summary>A hint when the length is that of another digest, the usual mistake (an MD5 table with sha256 configured).</summary>
    private static string DigestOfLength(int bytes)
    {
        foreach (var other in Enum.GetValues<FingerprintDigest>())
        {
            if (other.ByteLength() == bytes)
                return string.Create(CultureInfo.InvariantCulture, $" ({bytes} bytes is the length of {other.ToConfigWord()} fingerprints: check fingerprint-digest)");
        }
        return string.Empty;
    }

    /// <summary>Table text is untrusted in error messages: control characters become '?' and long junk is cut.</summary>
    private static string Printable(string text)
    {
        const int MaxShown = 16;
        var shown = text.Length > MaxShown ? text[..MaxShown] + "..." : text;
        return string.Create(shown.Length, shown, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++) span[i] = char.IsControl(source[i]) ? '?' : source[i];
        });
    }
}
