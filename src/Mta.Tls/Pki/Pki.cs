using Org.BouncyCastle.Security;

namespace Mta.Tls;

/// <summary>
/// A small private PKI for MTAs that authenticate each other with certificates: a CA, server and client
/// certificates issued by it, self-signed certificates, and the loading of PEM files named by the
/// cert-file, key-file, ca-file and ca-path settings.
/// </summary>
public static partial class Pki
{
    /// <summary>
    /// How far in the past a certificate made "now" starts to be valid, so that a peer whose clock is a
    /// little behind does not see a fresh certificate as not yet valid.
    /// </summary>
    public static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromMinutes(5);

    /// <summary>A new CA valid from now (less <see cref="ClockSkewAllowance"/>) for <paramref name="validity"/>.</summary>
    public static CertificateAuthority CreateCa(string commonName, TimeSpan validity, KeyAlgorithm algorithm = KeyAlgorithm.EcdsaP256)
    {
        var now = DateTimeOffset.UtcNow;
        return CreateCa(commonName, now - ClockSkewAllowance, now + validity, algorithm);
    }

    /// <summary>
    /// A new self-signed CA certificate with subject <c>CN=<paramref name="commonName"/></c>: basicConstraints
    /// CA:true with path length 0 (it issues leaves only), keyUsage keyCertSign and cRLSign, and key identifiers.
    /// </summary>
    public static CertificateAuthority CreateCa(string commonName, DateTimeOffset notBefore, DateTimeOffset notAfter, KeyAlgorithm algorithm = KeyAlgorithm.EcdsaP256)
    {
        var random = new SecureRandom();
        var keys = CertificateSigning.GenerateKeyPair(algorithm, random);
        var template = new CertificateSigning.Template(commonName, notBefore, notAfter, [], Usage: null);
        var certificate = CertificateSigning.Sign(
            template, keys.Public, CertificateSigning.NameWithCommonName(commonName), keys.Private, CertificateSigning.KeyIdentifier(keys.Public), random);
        return new CertificateAuthority(certificate, keys.Private);
    }

    /// <summary>
    /// A new leaf certificate with a new key, signed by <paramref name="ca"/>: subject <c>CN=<paramref name="commonName"/></c>,
    /// <paramref name="dnsNames"/> as subjectAltName (none: no extension; they are not taken from the CN), the
    /// extended key usage of <paramref name="usage"/>, and the given validity, which may lie in the past or
    /// the future (to make expired or not yet valid certificates). DNS names may be wildcards
    /// (<c>*.example.com</c>) and internationalised (written as A-labels).
    /// </summary>
    public static IssuedCertificate Issue(
        CertificateAuthority ca,
        string commonName,
        IReadOnlyList<string> dnsNames,
        CertificateUsage usage,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter,
        KeyAlgorithm algorithm = KeyAlgorithm.EcdsaP256)
    {
        ArgumentNullException.ThrowIfNull(ca);
        ArgumentNullException.ThrowIfNull(dnsNames);
        var random = new SecureRandom();
        var keys = CertificateSigning.GenerateKeyPair(algorithm, random);
        var template = new CertificateSigning.Template(commonName, notBefore, notAfter, dnsNames, usage);
        var certificate = CertificateSigning.Sign(
            template, keys.Public, ca.Certificate.SubjectDN, ca.PrivateKey, CertificateSigning.KeyIdentifier(ca.Certificate), random);
        return new IssuedCertificate(certificate, keys.Private);
    }

    /// <summary>
    /// A new self-signed leaf certificate (issuer = subject, CA:false) with the same contents as
    /// <see cref="Issue"/> gives: for peers that pin it by fingerprint rather than trust a CA.
    /// </summary>
    public static IssuedCertificate SelfSigned(
        string commonName,
        IReadOnlyList<string> dnsNames,
        CertificateUsage usage,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter,
        KeyAlgorithm algorithm = KeyAlgorithm.EcdsaP256)
    {
        ArgumentNullException.ThrowIfNull(dnsNames);
        var random = new SecureRandom();
        var keys = CertificateSigning.GenerateKeyPair(algorithm, random);
        var template = new CertificateSigning.Template(commonName, notBefore, notAfter, dnsNames, usage);
        var certificate = CertificateSigning.Sign(
            template, keys.Public, CertificateSigning.NameWithCommonName(commonName), keys.Private, CertificateSigning.KeyIdentifier(keys.Public), random);
        return new IssuedCertificate(certificate, keys.Private);
    }
}
