using Org.BouncyCastle.Crypto;
using BouncyCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Mta.Tls;

/// <summary>A leaf certificate for a server or client, with its private key, made by <see cref="Pki"/>.</summary>
public sealed class IssuedCertificate : CertificateWithKey
{
    internal IssuedCertificate(BouncyCertificate certificate, AsymmetricKeyParameter privateKey)
        : base(certificate, privateKey)
    {
    }
}
