using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.OpenSsl;

namespace Mta.Tls;

/// <summary>Reads the PEM blocks of certificate and key files.</summary>
internal static class PemText
{
    private const string CertificateLabel = "CERTIFICATE";
    private const string EncryptedKeyLabel = "ENCRYPTED PRIVATE KEY";

    /// <summary>The DER bytes of every <c>CERTIFICATE</c> block, in file order; other blocks are skipped.</summary>
    public static List<byte[]> Certificates(string text)
    {
        var certificates = new List<byte[]>();
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual(CertificateLabel))
            {
                var der = new byte[fields.DecodedDataLength];
                if (Convert.TryFromBase64Chars(rest[fields.Base64Data], der, out var written) && written == der.Length)
                    certificates.Add(der);
            }
            rest = rest[fields.Location.End..];
        }
        return certificates;
    }

    /// <summary>True when the text holds a PEM block with the label of a password-protected key.</summary>
    public static bool HasEncryptedKey(string text) =>
        text.Contains("-----BEGIN " + EncryptedKeyLabel + "-----", StringComparison.Ordinal);

    /// <summary>
    /// The first private key in the text: PKCS#8 <c>PRIVATE KEY</c>, <c>EC PRIVATE KEY</c> or <c>RSA PRIVATE KEY</c>.
    /// Other blocks before it (such as the <c>EC PARAMETERS</c> that <c>openssl ecparam -genkey</c> writes) are skipped.
    /// </summary>
    public static AsymmetricKeyParameter PrivateKey(string text)
    {
        if (HasEncryptedKey(text))
            throw new CryptographicException("the private key is encrypted; an MTA starts unattended, so it needs an unencrypted key");
        try
        {
            using var reader = new PemReader(new StringReader(text));
            while (reader.ReadObject() is { } item)
            {
                switch (item)
                {
                    case AsymmetricCipherKeyPair pair:
                        return pair.Private;
                    case AsymmetricKeyParameter { IsPrivate: true } key:
                        return key;
                }
            }
        }
        catch (Exception e) when (e is IOException or PemException or ArgumentException or InvalidOperationException or InvalidCastException)
        {
            throw new CryptographicException($"the private key cannot be read: {e.Message}", e);
        }
        throw new CryptographicException("no PEM private key (-----BEGIN PRIVATE KEY-----) found");
    }
}
