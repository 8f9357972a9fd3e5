using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mta.Tls.Tests.Pki;
using Xunit;

namespace Mta.Tls.Tests.Fingerprints;

/// <summary>Certificate and public-key fingerprints compared with what openssl prints for the same file.</summary>
public sealed class FingerprintTests(SampleCertificates samples) : IClassFixture<SampleCertificates>
{
    public static TheoryData<string, FingerprintDigest> EveryCertificateAndDigest()
    {
        var data = new TheoryData<string, FingerprintDigest>();
        foreach (var certificate in new[] { "ecdsa", "rsa", "openssl" })
        {
            foreach (var digest in Enum.GetValues<FingerprintDigest>()) data.Add(certificate, digest);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryCertificateAndDigest))]
    public async Task Certificate_fingerprint_is_what_openssl_x509_fingerprint_prints(string certificate, FingerprintDigest digest)
    {
        var file = samples.Files[certificate];
        using var loaded = X509CertificateLoader.LoadCertificateFromFile(file);

        var expected = await OpenSsl.CertificateFingerprintAsync(file, digest.ToConfigWord());

        Assert.Equal(expected, Fingerprint.OfCertificate(loaded, digest));
    }

    [Theory]
    [MemberData(nameof(EveryCertificateAndDigest))]
    public async Task Public_key_fingerprint_is_the_openssl_digest_of_the_DER_public_key(string certificate, FingerprintDigest digest)
    {
        var file = samples.Files[certificate];
        using var loaded = X509CertificateLoader.LoadCertificateFromFile(file);

        var expected = await OpenSsl.PublicKeyFingerprintAsync(file, digest.ToConfigWord());

        Assert.Equal(expected, Fingerprint.OfPublicKey(loaded, digest));
    }

    [Theory]
    [InlineData(FingerprintDigest.Md5, 16)]
    [InlineData(FingerprintDigest.Sha1, 20)]
    [InlineData(FingerprintDigest.Sha256, 32)]
    [InlineData(FingerprintDigest.Sha512, 64)]
    public void Fingerprints_are_uppercase_hex_pairs_joined_by_colons(FingerprintDigest digest, int bytes)
    {
        using var loaded = X509CertificateLoader.LoadCertificateFromFile(samples.Files["ecdsa"]);

        foreach (var fingerprint in new[] { Fingerprint.OfCertificate(loaded, digest), Fingerprint.OfPublicKey(loaded, digest) })
        {
            Assert.Matches($"^[0-9A-F]{{2}}(:[0-9A-F]{{2}}){{{bytes - 1}}}$", fingerprint);
            Assert.True(Fingerprint.TryNormalize(fingerprint, digest, out var normalized, out _));
            Assert.Equal(fingerprint, normalized);
        }
    }

    [Fact]
    public void A_certificate_renewed_with_the_same_key_keeps_its_public_key_fingerprint_but_not_its_certificate_fingerprint()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=renewed.example", key, HashAlgorithmName.SHA256);
        var now = DateTimeOffset.UtcNow;
        using var first = request.CreateSelfSigned(now.AddDays(-10), now.AddDays(1));
        using var renewed = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(90));

        Assert.Equal(Fingerprint.OfPublicKey(first, FingerprintDigest.Sha256), Fingerprint.OfPublicKey(renewed, FingerprintDigest.Sha256));
        Assert.NotEqual(Fingerprint.OfCertificate(first, FingerprintDigest.Sha256), Fingerprint.OfCertificate(renewed, FingerprintDigest.Sha256));
    }
}
