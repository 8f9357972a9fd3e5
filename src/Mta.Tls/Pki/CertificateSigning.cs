using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using BouncyCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Mta.Tls;

/// <summary>Key generation and certificate signing with BouncyCastle.</summary>
internal static class CertificateSigning
{
    private const int RsaPublicExponent = 65537;
    private const int RsaPrimeCertainty = 100;
    private const int SerialNumberBytes = 16;

    /// <summary>The subject and validity of a certificate to make; who signs it is given separately.</summary>
    internal sealed record Template(
        string CommonName,
        DateTimeOffset NotBefore,
        DateTimeOffset NotAfter,
        IReadOnlyList<string> DnsNames,
        CertificateUsage? Usage);

    /// <summary>A new key pair of the given algorithm.</summary>
    public static AsymmetricCipherKeyPair GenerateKeyPair(KeyAlgorithm algorithm, SecureRandom random)
    {
        switch (algorithm)
        {
            case KeyAlgorithm.EcdsaP256:
                var ec = new ECKeyPairGenerator("EC");
                ec.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, random));
                return ec.GenerateKeyPair();
            case KeyAlgorithm.Rsa2048:
            case KeyAlgorithm.Rsa3072:
                var rsa = new RsaKeyPairGenerator();
                var bits = algorithm == KeyAlgorithm.Rsa2048 ? 2048 : 3072;
                rsa.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(RsaPublicExponent), random, bits, RsaPrimeCertainty));
                return rsa.GenerateKeyPair();
            default:
                throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "not a key algorithm");
        }
    }

    /// <summary>
    /// Makes a certificate for <paramref name="subjectPublicKey"/> signed by <paramref name="issuerKey"/>.
    /// A template without usage makes a CA (basicConstraints CA:true, path length 0; keyCertSign and
    /// cRLSign); with one, a leaf (CA:false; digitalSignature, plus keyEncipherment for an RSA key;
    /// serverAuth and/or clientAuth; the DNS names as subjectAltName).
    /// </summary>
    public static BouncyCertificate Sign(
        Template template,
        AsymmetricKeyParameter subjectPublicKey,
        X509Name issuerName,
        AsymmetricKeyParameter issuerKey,
        byte[] authorityKeyIdentifier,
        SecureRandom random)
    {
        if (string.IsNullOrWhiteSpace(template.CommonName))
            throw new ArgumentException("a certificate needs a common name", nameof(template));
        var notBefore = WholeSeconds(template.NotBefore);
        var notAfter = WholeSeconds(template.NotAfter);
        if (notAfter <= notBefore)
            throw new ArgumentException($"notAfter ({template.NotAfter:O}) must be later than notBefore ({template.NotBefore:O})", nameof(template));

        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(RandomSerialNumber());
        generator.SetIssuerDN(issuerName);
        generator.SetSubjectDN(NameWithCommonName(template.CommonName));
        generator.SetNotBefore(notBefore);
        generator.SetNotAfter(notAfter);
        generator.SetPublicKey(subjectPublicKey);

        if (template.Usage is not { } usage)
        {
            generator.AddExtension(X509Extensions.BasicConstraints, critical: true, new BasicConstraints(0));
            generator.AddExtension(X509Extensions.KeyUsage, critical: true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        }
        else
        {
            generator.AddExtension(X509Extensions.BasicConstraints, critical: true, new BasicConstraints(false));
            // An RSA key may also be used by TLS 1.2 RSA key exchange, which encrypts with it.
            var keyUsage = subjectPublicKey is RsaKeyParameters ? KeyUsage.DigitalSignature | KeyUsage.KeyEncipherment : KeyUsage.DigitalSignature;
            generator.AddExtension(X509Extensions.KeyUsage, critical: true, new KeyUsage(keyUsage));
            generator.AddExtension(X509Extensions.ExtendedKeyUsage, critical: false, new ExtendedKeyUsage(Purposes(usage)));
            if (template.DnsNames.Count > 0)
                generator.AddExtension(X509Extensions.SubjectAlternativeName, critical: false, AlternativeNames(template.DnsNames));
        }

        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, critical: false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(subjectPublicKey));
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, critical: false, new AuthorityKeyIdentifier(authorityKeyIdentifier));
        return generator.Generate(new Asn1SignatureFactory(SignatureAlgorithm(issuerKey), issuerKey, random));
    }

    /// <summary>The key identifier of a certificate's key: its subjectKeyIdentifier, else computed as RFC 5280 method 1.</summary>
    public static byte[] KeyIdentifier(BouncyCertificate certificate)
    {
        var extension = certificate.GetExtensionValue(X509Extensions.SubjectKeyIdentifier);
        return extension is null
            ? X509ExtensionUtilities.CreateSubjectKeyIdentifier(certificate.GetPublicKey()).GetKeyIdentifier()
            : SubjectKeyIdentifier.GetInstance(X509ExtensionUtilities.FromExtensionValue(extension)).GetKeyIdentifier();
    }

    /// <summary>The key identifier RFC 5280 method 1 gives a public key.</summary>
    public static byte[] KeyIdentifier(AsymmetricKeyParameter publicKey) =>
        X509ExtensionUtilities.CreateSubjectKeyIdentifier(publicKey).GetKeyIdentifier();

    /// <summary>True when <paramref name="privateKey"/> signs what <paramref name="publicKey"/> verifies.</summary>
    public static bool KeyMatches(AsymmetricKeyParameter privateKey, AsymmetricKeyParameter publicKey)
    {
        if (!privateKey.IsPrivate) return false;
        string algorithm;
        try
        {
            algorithm = SignatureAlgorithm(privateKey);
        }
        catch (CryptographicException)
        {
            return false;
        }

        var probe = "key pair check"u8.ToArray();
        try
        {
            var signer = SignerUtilities.GetSigner(algorithm);
            signer.Init(true, privateKey);
            signer.BlockUpdate(probe, 0, probe.Length);
            var signature = signer.GenerateSignature();
            var verifier = SignerUtilities.GetSigner(algorithm);
            verifier.Init(false, publicKey);
            verifier.BlockUpdate(probe, 0, probe.Length);
            return verifier.VerifySignature(signature);
        }
        catch (InvalidKeyException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>SHA-2 with the issuer's key type; for EC the hash grows with the curve as RFC 5480 recommends.</summary>
    private static string SignatureAlgorithm(AsymmetricKeyParameter issuerKey) => issuerKey switch
    {
        RsaKeyParameters => "SHA256WITHRSA",
        ECPrivateKeyParameters { Parameters.Curve.FieldSize: <= 256 } => "SHA256WITHECDSA",
        ECPrivateKeyParameters { Parameters.Curve.FieldSize: <= 384 } => "SHA384WITHECDSA",
        ECPrivateKeyParameters => "SHA512WITHECDSA",
        _ => throw new CryptographicException($"keys of type {issuerKey.GetType().Name} cannot sign certificates here (RSA and EC keys can)"),
    };

    private static KeyPurposeID[] Purposes(CertificateUsage usage) => usage switch
    {
        CertificateUsage.Server => [KeyPurposeID.id_kp_serverAuth],
        CertificateUsage.Client => [KeyPurposeID.id_kp_clientAuth],
        CertificateUsage.Both => [KeyPurposeID.id_kp_serverAuth, KeyPurposeID.id_kp_clientAuth],
        _ => throw new ArgumentOutOfRangeException(nameof(usage), usage, "not a certificate usage"),
    };

    /// <summary>subjectAltName dNSName entries, internationalised names as A-labels (dNSName is ASCII only).</summary>
    private static GeneralNames AlternativeNames(IReadOnlyList<string> dnsNames)
    {
        var names = new GeneralName[dnsNames.Count];
        for (var i = 0; i < dnsNames.Count; i++)
        {
            var name = DnsNameSyntax.ToComparable(dnsNames[i], allowWildcard: true)
                ?? throw new ArgumentException($"'{dnsNames[i]}' is not a DNS name (or a wildcard *.domain with at least two labels after it)", nameof(dnsNames));
            names[i] = new GeneralName(GeneralName.DnsName, name);
        }
        return new GeneralNames(names);
    }

    /// <summary>The distinguished name <c>CN=<paramref name="commonName"/></c>, the CN taken literally (commas and all).</summary>
    public static X509Name NameWithCommonName(string commonName) =>
        new(new List<DerObjectIdentifier> { X509Name.CN }, new List<string> { commonName });

    /// <summary>A random positive serial of 16 bytes; the top bits are fixed so that it is never zero and never negative.</summary>
    private static BigInteger RandomSerialNumber()
    {
        var bytes = new byte[SerialNumberBytes];
        RandomNumberGenerator.Fill(bytes);
        bytes[0] = (byte)((bytes[0] & 0x3F) | 0x40);
        return new BigInteger(1, bytes);
    }

    private static DateTime WholeSeconds(DateTimeOffset time) =>
        DateTimeOffset.FromUnixTimeSeconds(time.ToUnixTimeSeconds()).UtcDateTime;
}
