using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace Mta.Tls.Tests.Pki;

/// <summary>Certificates made by <see cref="Mta.Tls.Pki"/>: their contents, and openssl's view of them.</summary>
public sealed class PkiTests : IDisposable
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    private static readonly Lazy<CertificateAuthority> SharedCa = new(() => Mta.Tls.Pki.CreateCa("Test CA", TimeSpan.FromDays(30)));

    private readonly TemporaryFolder _folder = new();

    private static CertificateAuthority Ca => SharedCa.Value;

    private static DateTimeOffset Now => DateTimeOffset.UtcNow;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_CA_is_a_self_signed_CA_for_leaves_only_with_certificate_and_CRL_signing()
    {
        using var certificate = Ca.ToX509Certificate2();

        Assert.Equal("CN=Test CA", certificate.Subject);
        Assert.Equal(certificate.Subject, certificate.Issuer);
        Assert.True(certificate.HasPrivateKey);
        var constraints = Extension<X509BasicConstraintsExtension>(certificate);
        Assert.True(constraints.Critical);
        Assert.True(constraints.CertificateAuthority);
        Assert.True(constraints.HasPathLengthConstraint);
        Assert.Equal(0, constraints.PathLengthConstraint);
        var keyUsage = Extension<X509KeyUsageExtension>(certificate);
        Assert.True(keyUsage.Critical);
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, keyUsage.KeyUsages);
        Assert.DoesNotContain(certificate.Extensions, e => e is X509EnhancedKeyUsageExtension);
        var subjectKeyIdentifier = Extension<X509SubjectKeyIdentifierExtension>(certificate).SubjectKeyIdentifierBytes;
        Assert.Equal(subjectKeyIdentifier.ToArray(), Extension<X509AuthorityKeyIdentifierExtension>(certificate).KeyIdentifier!.Value.ToArray());
    }

    [Fact]
    public void The_CA_validity_runs_from_a_few_minutes_ago_for_the_requested_time()
    {
        var before = Now;
        using var certificate = Mta.Tls.Pki.CreateCa("Validity CA", TimeSpan.FromDays(10)).ToX509Certificate2();
        var after = Now;

        Assert.InRange(certificate.NotBefore.ToUniversalTime(), (before - Mta.Tls.Pki.ClockSkewAllowance).UtcDateTime.AddSeconds(-1), (after - Mta.Tls.Pki.ClockSkewAllowance).UtcDateTime);
        Assert.InRange(certificate.NotAfter.ToUniversalTime(), before.AddDays(10).UtcDateTime.AddSeconds(-1), after.AddDays(10).UtcDateTime);
    }

    public static TheoryData<CertificateUsage, KeyAlgorithm> UsagesAndAlgorithms()
    {
        var data = new TheoryData<CertificateUsage, KeyAlgorithm>();
        foreach (var usage in Enum.GetValues<CertificateUsage>())
        {
            data.Add(usage, KeyAlgorithm.EcdsaP256);
            data.Add(usage, KeyAlgorithm.Rsa2048);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(UsagesAndAlgorithms))]
    public void A_leaf_carries_the_extensions_of_its_usage_and_key(CertificateUsage usage, KeyAlgorithm algorithm)
    {
        var issued = Mta.Tls.Pki.Issue(Ca, "mx.example.com", ["mx.example.com", "*.mx.example.com"], usage, Now.AddMinutes(-1), Now.AddDays(1), algorithm);
        using var certificate = issued.ToX509Certificate2();
        using var caCertificate = Ca.ToX509Certificate2();

        Assert.Equal("CN=mx.example.com", certificate.Subject);
        Assert.Equal(caCertificate.Subject, certificate.Issuer);
        var constraints = Extension<X509BasicConstraintsExtension>(certificate);
        Assert.True(constraints.Critical);
        Assert.False(constraints.CertificateAuthority);
        var keyUsage = Extension<X509KeyUsageExtension>(certificate);
        Assert.True(keyUsage.Critical);
        var expectedKeyUsage = algorithm == KeyAlgorithm.EcdsaP256
            ? X509KeyUsageFlags.DigitalSignature
            : X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment;
        Assert.Equal(expectedKeyUsage, keyUsage.KeyUsages);
        string[] expectedPurposes = usage switch
        {
            CertificateUsage.Server => [ServerAuthOid],
            CertificateUsage.Client => [ClientAuthOid],
            _ => [ServerAuthOid, ClientAuthOid],
        };
        Assert.Equal(expectedPurposes, Extension<X509EnhancedKeyUsageExtension>(certificate).EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value));
        Assert.Equal(["mx.example.com", "*.mx.example.com"], Extension<X509SubjectAlternativeNameExtension>(certificate).EnumerateDnsNames());
        Assert.Equal(
            Extension<X509SubjectKeyIdentifierExtension>(caCertificate).SubjectKeyIdentifierBytes.ToArray(),
            Extension<X509AuthorityKeyIdentifierExtension>(certificate).KeyIdentifier!.Value.ToArray());
        Assert.NotEqual(
            Extension<X509SubjectKeyIdentifierExtension>(caCertificate).SubjectKeyIdentifier,
            Extension<X509SubjectKeyIdentifierExtension>(certificate).SubjectKeyIdentifier);
        Assert.True(certificate.HasPrivateKey);
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256, "1.2.840.10045.2.1", 256)]
    [InlineData(KeyAlgorithm.Rsa2048, "1.2.840.113549.1.1.1", 2048)]
    [InlineData(KeyAlgorithm.Rsa3072, "1.2.840.113549.1.1.1", 3072)]
    public void The_key_is_of_the_requested_algorithm_and_size(KeyAlgorithm algorithm, string keyOid, int keySize)
    {
        var issued = Mta.Tls.Pki.SelfSigned("key.example", [], CertificateUsage.Server, Now.AddMinutes(-1), Now.AddDays(1), algorithm);
        using var certificate = issued.ToX509Certificate2();

        Assert.Equal(keyOid, certificate.PublicKey.Oid.Value);
        using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetECDsaPublicKey() ?? certificate.GetRSAPublicKey()!;
        Assert.Equal(keySize, key.KeySize);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----\n", issued.PrivateKeyPem, StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----\n", issued.CertificatePem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_leaf_without_DNS_names_has_no_subjectAltName()
    {
        using var certificate = Mta.Tls.Pki.Issue(Ca, "client one", [], CertificateUsage.Client, Now.AddMinutes(-1), Now.AddDays(1)).ToX509Certificate2();

        Assert.Equal("CN=client one", certificate.Subject);
        Assert.DoesNotContain(certificate.Extensions, e => e.Oid?.Value == "2.5.29.17");
    }

    [Fact]
    public void A_common_name_with_DN_punctuation_is_taken_literally()
    {
        using var certificate = Mta.Tls.Pki.Issue(Ca, "Relay, Inc. = \"A+B\"", [], CertificateUsage.Client, Now.AddMinutes(-1), Now.AddDays(1)).ToX509Certificate2();

        Assert.Equal("Relay, Inc. = \"A+B\"", certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false));
    }

    [Fact]
    public void Internationalised_DNS_names_are_written_as_A_labels()
    {
        using var certificate = Mta.Tls.Pki.Issue(Ca, "bücher", ["Bücher.Example", "*.bücher.example"], CertificateUsage.Server, Now.AddMinutes(-1), Now.AddDays(1)).ToX509Certificate2();

        Assert.Equal(["xn--bcher-kva.example", "*.xn--bcher-kva.example"], Extension<X509SubjectAlternativeNameExtension>(certificate).EnumerateDnsNames());
        Assert.True(PeerName.Matches(certificate, "bücher.example"));
        Assert.True(PeerName.Matches(certificate, "mx.bücher.example"));
    }

    [Theory]
    [InlineData("two words.example")]
    [InlineData("*.com")]
    [InlineData("f*.example.com")]
    [InlineData("a..example.com")]
    [InlineData("-a.example.com")]
    [InlineData("")]
    public void A_name_that_is_not_a_DNS_name_is_refused(string dnsName)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Mta.Tls.Pki.Issue(Ca, "x", [dnsName], CertificateUsage.Server, Now.AddMinutes(-1), Now.AddDays(1)));
        Assert.Contains("is not a DNS name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_validity_that_ends_before_it_starts_or_an_empty_common_name_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Mta.Tls.Pki.Issue(Ca, "x", [], CertificateUsage.Server, Now, Now));
        Assert.Throws<ArgumentException>(() => Mta.Tls.Pki.Issue(Ca, "x", [], CertificateUsage.Server, Now, Now.AddDays(-1)));
        Assert.Throws<ArgumentException>(() => Mta.Tls.Pki.Issue(Ca, " ", [], CertificateUsage.Server, Now, Now.AddDays(1)));
        Assert.Throws<ArgumentException>(() => Mta.Tls.Pki.CreateCa("", TimeSpan.FromDays(1)));
    }

    [Fact]
    public void Serial_numbers_are_positive_random_and_distinct()
    {
        var serials = Enumerable.Range(0, 5)
            .Select(_ =>
            {
                using var certificate = Mta.Tls.Pki.Issue(Ca, "serial", [], CertificateUsage.Client, Now, Now.AddDays(1)).ToX509Certificate2();
                return certificate.SerialNumberBytes.ToArray();
            })
            .ToList();

        Assert.All(serials, serial => Assert.InRange(serial.Length, 8, 20));
        // SerialNumberBytes is big-endian: a clear top bit of the first byte means positive.
        Assert.All(serials, serial => Assert.True(serial[0] is > 0 and < 0x80));
        Assert.Equal(serials.Count, serials.Select(Convert.ToHexString).Distinct().Count());
    }

    [Fact]
    public void Validity_is_what_was_asked_to_the_second()
    {
        var notBefore = new DateTimeOffset(2031, 2, 3, 4, 5, 6, 789, TimeSpan.FromHours(2));
        var notAfter = new DateTimeOffset(2052, 7, 8, 9, 10, 11, TimeSpan.Zero);
        using var certificate = Mta.Tls.Pki.Issue(Ca, "future", [], CertificateUsage.Server, notBefore, notAfter).ToX509Certificate2();

        Assert.Equal(new DateTime(2031, 2, 3, 2, 5, 6, DateTimeKind.Utc), certificate.NotBefore.ToUniversalTime());
        Assert.Equal(new DateTime(2052, 7, 8, 9, 10, 11, DateTimeKind.Utc), certificate.NotAfter.ToUniversalTime());
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256, CertificateUsage.Server, "sslserver")]
    [InlineData(KeyAlgorithm.EcdsaP256, CertificateUsage.Client, "sslclient")]
    [InlineData(KeyAlgorithm.Rsa2048, CertificateUsage.Both, "sslserver")]
    [InlineData(KeyAlgorithm.Rsa2048, CertificateUsage.Both, "sslclient")]
    public async Task Openssl_verify_accepts_a_leaf_for_its_purpose(KeyAlgorithm algorithm, CertificateUsage usage, string purpose)
    {
        var issued = Mta.Tls.Pki.Issue(Ca, "mx.example.com", ["mx.example.com"], usage, Now.AddMinutes(-1), Now.AddDays(1), algorithm);
        var caFile = _folder.Write("ca.pem", Ca.CertificatePem);
        var leafFile = _folder.Write("leaf.pem", issued.CertificatePem);

        var (exitCode, output, errors) = await OpenSsl.RunAsync("verify", "-CAfile", caFile, "-purpose", purpose, leafFile);

        Assert.True(exitCode == 0, errors + output);
        Assert.Equal($"{leafFile}: OK", output.Trim());
    }

    [Fact]
    public async Task Openssl_verify_refuses_a_server_certificate_for_client_use()
    {
        var issued = Mta.Tls.Pki.Issue(Ca, "mx.example.com", ["mx.example.com"], CertificateUsage.Server, Now.AddMinutes(-1), Now.AddDays(1));
        var caFile = _folder.Write("ca.pem", Ca.CertificatePem);
        var leafFile = _folder.Write("leaf.pem", issued.CertificatePem);

        var (exitCode, output, errors) = await OpenSsl.RunAsync("verify", "-CAfile", caFile, "-purpose", "sslclient", leafFile);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("unsuitable certificate purpose", output + errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Openssl_verify_refuses_a_leaf_of_another_CA()
    {
        var otherCa = Mta.Tls.Pki.CreateCa("Other CA", TimeSpan.FromDays(1));
        var issued = Mta.Tls.Pki.Issue(otherCa, "mx.example.com", ["mx.example.com"], CertificateUsage.Server, Now.AddMinutes(-1), Now.AddDays(1));
        var caFile = _folder.Write("ca.pem", Ca.CertificatePem);
        var leafFile = _folder.Write("leaf.pem", issued.CertificatePem);

        var (exitCode, output, errors) = await OpenSsl.RunAsync("verify", "-CAfile", caFile, leafFile);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("unable to get local issuer certificate", output + errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-10, -1, "certificate has expired")]
    [InlineData(1, 10, "certificate is not yet valid")]
    public async Task Certificates_outside_their_validity_come_out_as_asked(int startDays, int endDays, string opensslError)
    {
        var issued = Mta.Tls.Pki.Issue(Ca, "mx.example.com", ["mx.example.com"], CertificateUsage.Server, Now.AddDays(startDays), Now.AddDays(endDays));
        var caFile = _folder.Write("ca.pem", Ca.CertificatePem);
        var leafFile = _folder.Write("leaf.pem", issued.CertificatePem);

        var (exitCode, output, errors) = await OpenSsl.RunAsync("verify", "-CAfile", caFile, leafFile);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(opensslError, output + errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Openssl_x509_text_shows_the_extensions()
    {
        var issued = Mta.Tls.Pki.Issue(Ca, "mx.example.com", ["mx.example.com", "mail.example.com"], CertificateUsage.Both, Now.AddMinutes(-1), Now.AddDays(1));
        var caText = await OpenSsl.OutputOfAsync("x509", "-noout", "-text", "-in", _folder.Write("ca.pem", Ca.CertificatePem));
        var leafText = await OpenSsl.OutputOfAsync("x509", "-noout", "-text", "-in", _folder.Write("leaf.pem", issued.CertificatePem));

        Assert.Contains("X509v3 Basic Constraints: critical", caText, StringComparison.Ordinal);
        Assert.Contains("CA:TRUE, pathlen:0", caText, StringComparison.Ordinal);
        Assert.Contains("Certificate Sign, CRL Sign", caText, StringComparison.Ordinal);
        Assert.Contains("X509v3 Subject Key Identifier", caText, StringComparison.Ordinal);
        Assert.Contains("CA:FALSE", leafText, StringComparison.Ordinal);
        Assert.Contains("X509v3 Key Usage: critical", leafText, StringComparison.Ordinal);
        Assert.Contains("Digital Signature", leafText, StringComparison.Ordinal);
        Assert.Contains("TLS Web Server Authentication, TLS Web Client Authentication", leafText, StringComparison.Ordinal);
        Assert.Contains("DNS:mx.example.com, DNS:mail.example.com", leafText, StringComparison.Ordinal);
        Assert.Contains("X509v3 Authority Key Identifier", leafText, StringComparison.Ordinal);
        Assert.Contains("ecdsa-with-SHA256", leafText, StringComparison.Ordinal);
        Assert.Contains("NIST CURVE: P-256", leafText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.Rsa2048)]
    public async Task Openssl_reads_the_PKCS8_key_as_the_key_of_the_certificate(KeyAlgorithm algorithm)
    {
        var issued = Mta.Tls.Pki.SelfSigned("key.example", [], CertificateUsage.Server, Now.AddMinutes(-1), Now.AddDays(1), algorithm);
        var keyFile = _folder.Write("key.pem", issued.PrivateKeyPem);
        var certificateFile = _folder.Write("cert.pem", issued.CertificatePem);

        var publicKeyOfKey = await OpenSsl.OutputOfAsync("pkey", "-in", keyFile, "-pubout");
        var publicKeyOfCertificate = await OpenSsl.OutputOfAsync("x509", "-in", certificateFile, "-noout", "-pubkey");

        Assert.Equal(publicKeyOfCertificate, publicKeyOfKey);
    }

    [Fact]
    public async Task A_self_signed_leaf_names_itself_as_issuer_and_verifies_against_itself()
    {
        var issued = Mta.Tls.Pki.SelfSigned("self.example", ["self.example"], CertificateUsage.Server, Now.AddMinutes(-1), Now.AddDays(1));
        using var certificate = issued.ToX509Certificate2();
        var file = _folder.Write("self.pem", issued.CertificatePem);

        Assert.Equal(certificate.Subject, certificate.Issuer);
        Assert.False(Extension<X509BasicConstraintsExtension>(certificate).CertificateAuthority);
        Assert.Equal(
            Extension<X509SubjectKeyIdentifierExtension>(certificate).SubjectKeyIdentifierBytes.ToArray(),
            Extension<X509AuthorityKeyIdentifierExtension>(certificate).KeyIdentifier!.Value.ToArray());
        Assert.Equal($"{file}: OK", (await OpenSsl.OutputOfAsync("verify", "-CAfile", file, file)).Trim());
    }

    [Fact]
    public async Task A_CA_read_back_from_its_PEM_issues_certificates_that_verify()
    {
        var reloaded = CertificateAuthority.FromPem(Ca.CertificatePem, Ca.PrivateKeyPem);
        var issued = Mta.Tls.Pki.Issue(reloaded, "again.example", ["again.example"], CertificateUsage.Server, Now.AddMinutes(-1), Now.AddDays(1));
        var caFile = _folder.Write("ca.pem", Ca.CertificatePem);
        var leafFile = _folder.Write("leaf.pem", issued.CertificatePem);

        Assert.Equal(Ca.CertificatePem, reloaded.CertificatePem);
        Assert.Equal($"{leafFile}: OK", (await OpenSsl.OutputOfAsync("verify", "-CAfile", caFile, leafFile)).Trim());
    }

    [Theory]
    [InlineData("pkcs8-ec")]
    [InlineData("sec1-ec")]
    [InlineData("pkcs8-rsa")]
    public async Task A_CA_made_by_openssl_issues_certificates_that_openssl_verifies(string keyForm)
    {
        var caFile = _folder.PathOf("ca.pem");
        var keyFile = _folder.PathOf("ca.key");
        var request = new List<string> { "req", "-x509", "-nodes", "-subj", "/CN=OpenSSL CA", "-days", "2", "-out", caFile };
        switch (keyForm)
        {
            case "pkcs8-ec":
                request.AddRange(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout", keyFile]);
                break;
            case "sec1-ec":
                // "openssl ecparam -genkey" writes an EC PARAMETERS block before a traditional "EC PRIVATE KEY".
                await OpenSsl.OutputOfAsync("ecparam", "-name", "prime256v1", "-genkey", "-out", keyFile);
                request.AddRange(["-key", keyFile]);
                break;
            default:
                request.AddRange(["-newkey", "rsa:2048", "-keyout", keyFile]);
                break;
        }
        await OpenSsl.OutputOfAsync([.. request]);

        var ca = Mta.Tls.Pki.LoadCertificateAuthority(caFile, keyFile);
        var leaf = Mta.Tls.Pki.Issue(ca, "leaf", ["leaf.example"], CertificateUsage.Server, Now.AddMinutes(-1), Now.AddDays(1));
        var leafFile = _folder.Write("leaf.pem", leaf.CertificatePem);

        Assert.Equal($"{leafFile}: OK", (await OpenSsl.OutputOfAsync("verify", "-CAfile", caFile, "-purpose", "sslserver", leafFile)).Trim());
    }

    [Fact]
    public void A_leaf_certificate_cannot_be_used_as_a_CA()
    {
        var leaf = Mta.Tls.Pki.Issue(Ca, "leaf", [], CertificateUsage.Server, Now.AddMinutes(-1), Now.AddDays(1));

        var error = Assert.Throws<CryptographicException>(() => CertificateAuthority.FromPem(leaf.CertificatePem, leaf.PrivateKeyPem));
        Assert.Contains("not a CA certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_CA_with_another_key_is_refused()
    {
        var other = Mta.Tls.Pki.CreateCa("Other CA", TimeSpan.FromDays(1));

        var error = Assert.Throws<CryptographicException>(() => CertificateAuthority.FromPem(Ca.CertificatePem, other.PrivateKeyPem));
        Assert.Contains("does not belong", error.Message, StringComparison.Ordinal);
    }

    private static T Extension<T>(X509Certificate2 certificate)
        where T : X509Extension =>
        certificate.Extensions.OfType<T>().Single();
}
