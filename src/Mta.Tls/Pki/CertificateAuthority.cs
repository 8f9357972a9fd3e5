using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using BouncyCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Mta.Tls;

/// <summary>
/// A certificate authority that can issue certificates: its self-signed certificate (give it to peers as
/// their ca-file) and its private key. Made by <see cref="Pki.CreateCa(string, TimeSpan, KeyAlgorithm)"/>
/// or read back with <see cref="FromPem"/> or <see cref="Pki.LoadCertificateAuthority"/>.
/// </summary>
public sealed class CertificateAuthority : CertificateWithKey
{
    private const int KeyCertSignBit = 5;

    internal CertificateAuthority(BouncyCertificate certificate, AsymmetricKeyParameter privateKey)
        : base(certificate, privateKey)
    {
    }

    /// <summary>
    /// Reads a CA certificate (the first in <paramref name="certificatePem"/>) and its private key (PKCS#8,
    /// or the traditional <c>EC PRIVATE KEY</c> / <c>RSA PRIVATE KEY</c> forms, unencrypted). Throws a
    /// <see cref="CryptographicException"/> saying what is wrong when the certificate is not a CA
    /// (basicConstraints CA:false, or a keyUsage without keyCertSign) or the key is not its key.
    /// </summary>
    public static CertificateAuthority FromPem(string certificatePem, string privateKeyPem)
    {
        ArgumentNullException.ThrowIfNull(certificatePem);
        ArgumentNullException.ThrowIfNull(privateKeyPem);
        var der = PemText.Certificates(certificatePem).FirstOrDefault()
            ?? throw new CryptographicException("no PEM certificate (-----BEGIN CERTIFICATE-----) found");
        BouncyCertificate certificate;
        try
        {
            certificate = new BouncyCertificate(der);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or Org.BouncyCastle.Security.Certificates.CertificateException)
        {
            throw new CryptographicException($"the certificate cannot be decoded: {e.Message}", e);
        }

        if (certificate.GetBasicConstraints() < 0)
            throw new CryptographicException("the certificate is not a CA certificate (basicConstraints CA:false or absent)");
        if (certificate.GetKeyUsage() is { } keyUsage && !keyUsage[KeyCertSignBit])
            throw new CryptographicException("the certificate may not sign certificates (its keyUsage lacks keyCertSign)");

        var privateKey = PemText.PrivateKey(privateKeyPem);
        if (!CertificateSigning.KeyMatches(privateKey, certificate.GetPublicKey()))
            throw new CryptographicException("the private key does not belong to the certificate");
        return new CertificateAuthority(certificate, privateKey);
    }
}
