using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Pkcs;
using BouncyCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Mta.Tls;

/// <summary>A certificate with its private key, both as PEM text ready to be written to files.</summary>
public abstract class CertificateWithKey
{
    private protected CertificateWithKey(BouncyCertificate certificate, AsymmetricKeyParameter privateKey)
    {
        Certificate = certificate;
        PrivateKey = privateKey;
        CertificatePem = PemEncoding.WriteString("CERTIFICATE", certificate.GetEncoded()) + "\n";
        PrivateKeyPem = PemEncoding.WriteString("PRIVATE KEY", PrivateKeyInfoFactory.CreatePrivateKeyInfo(privateKey).GetDerEncoded()) + "\n";
    }

    /// <summary>The certificate as PEM (<c>-----BEGIN CERTIFICATE-----</c>).</summary>
    public string CertificatePem { get; }

    /// <summary>The unencrypted private key as PKCS#8 PEM (<c>-----BEGIN PRIVATE KEY-----</c>); keep it in a 0600 file.</summary>
    public string PrivateKeyPem { get; }

    internal BouncyCertificate Certificate { get; }

    internal AsymmetricKeyParameter PrivateKey { get; }

    /// <summary>
    /// A new <see cref="X509Certificate2"/> with the private key attached, usable as the server or client
    /// certificate of an <see cref="System.Net.Security.SslStream"/> on Linux. The caller disposes it.
    /// </summary>
    public X509Certificate2 ToX509Certificate2() => X509Certificate2.CreateFromPem(CertificatePem, PrivateKeyPem);
}
