using Xunit;

namespace Mta.Tls.Tests.Pki;

/// <summary>Reading the PEM files that cert-file, key-file, ca-file and ca-path name.</summary>
public sealed class PkiFilesTests : IDisposable
{
    private static readonly Lazy<CertificateAuthority> SharedCa = new(() => Mta.Tls.Pki.CreateCa("Files CA", TimeSpan.FromDays(30)));
    private static readonly Lazy<CertificateAuthority> SharedOtherCa = new(() => Mta.Tls.Pki.CreateCa("Other Files CA", TimeSpan.FromDays(30)));

    private readonly TemporaryFolder _folder = new();

    private static CertificateAuthority Ca => SharedCa.Value;

    private static CertificateAuthority OtherCa => SharedOtherCa.Value;

    public void Dispose() => _folder.Dispose();

    private static IssuedCertificate NewLeaf(string name) =>
        Mta.Tls.Pki.Issue(Ca, name, [name], CertificateUsage.Server, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));

    [Fact]
    public void LoadCertificate_returns_the_first_certificate_of_a_chain_file()
    {
        var leaf = NewLeaf("leaf.example");
        var file = _folder.Write("chain.pem", leaf.CertificatePem + Ca.CertificatePem);

        using var loaded = Mta.Tls.Pki.LoadCertificate(file);

        Assert.Equal("CN=leaf.example", loaded.Subject);
        Assert.False(loaded.HasPrivateKey);
    }

    [Fact]
    public void LoadCertificates_returns_every_certificate_of_a_bundle_in_order_and_skips_text_and_keys()
    {
        var leaf = NewLeaf("leaf.example");
        var file = _folder.Write("bundle.pem", "Files CA\n" + Ca.CertificatePem + "\n# other\n" + OtherCa.CertificatePem + leaf.PrivateKeyPem);

        var loaded = Mta.Tls.Pki.LoadCertificates(file);

        Assert.Equal(["CN=Files CA", "CN=Other Files CA"], loaded.Select(c => c.Subject));
    }

    [Fact]
    public void LoadCertificateWithKey_attaches_the_key()
    {
        var leaf = NewLeaf("leaf.example");
        var certificateFile = _folder.Write("leaf.pem", leaf.CertificatePem);
        var keyFile = _folder.Write("leaf.key", leaf.PrivateKeyPem);

        using var loaded = Mta.Tls.Pki.LoadCertificateWithKey(certificateFile, keyFile);

        Assert.True(loaded.HasPrivateKey);
        Assert.Equal("CN=leaf.example", loaded.Subject);
    }

    [Fact]
    public void LoadCertificateWithKey_reads_certificate_and_key_from_one_file()
    {
        var leaf = NewLeaf("leaf.example");
        var file = _folder.Write("both.pem", leaf.PrivateKeyPem + leaf.CertificatePem);

        using var loaded = Mta.Tls.Pki.LoadCertificateWithKey(file, file);

        Assert.True(loaded.HasPrivateKey);
    }

    [Fact]
    public async Task LoadCertificateWithKey_reads_traditional_EC_keys_written_by_openssl()
    {
        var keyFile = _folder.PathOf("sec1.key");
        var certificateFile = _folder.PathOf("sec1.pem");
        await OpenSsl.OutputOfAsync("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", keyFile);
        await OpenSsl.OutputOfAsync("req", "-x509", "-key", keyFile, "-subj", "/CN=sec1.example", "-days", "1", "-out", certificateFile);

        using var loaded = Mta.Tls.Pki.LoadCertificateWithKey(certificateFile, keyFile);

        Assert.True(loaded.HasPrivateKey);
        Assert.Contains("BEGIN EC PRIVATE KEY", await File.ReadAllTextAsync(keyFile), StringComparison.Ordinal);
    }

    [Fact]
    public void The_key_of_another_certificate_is_refused_naming_both_files()
    {
        var certificateFile = _folder.Write("leaf.pem", NewLeaf("one.example").CertificatePem);
        var keyFile = _folder.Write("other.key", NewLeaf("two.example").PrivateKeyPem);

        var error = Assert.Throws<CertificateFileException>(() => Mta.Tls.Pki.LoadCertificateWithKey(certificateFile, keyFile));

        Assert.Contains(keyFile, error.Message, StringComparison.Ordinal);
        Assert.Contains(certificateFile, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_encrypted_key_is_refused_with_the_reason()
    {
        var leaf = NewLeaf("leaf.example");
        var certificateFile = _folder.Write("leaf.pem", leaf.CertificatePem);
        var plainKeyFile = _folder.Write("plain.key", leaf.PrivateKeyPem);
        var encryptedKeyFile = _folder.PathOf("encrypted.key");
        await OpenSsl.OutputOfAsync("pkcs8", "-topk8", "-in", plainKeyFile, "-out", encryptedKeyFile, "-passout", "pass:secret");

        var error = Assert.Throws<CertificateFileException>(() => Mta.Tls.Pki.LoadCertificateWithKey(certificateFile, encryptedKeyFile));
        Assert.Contains("encrypted", error.Message, StringComparison.Ordinal);
        var caError = Assert.Throws<CertificateFileException>(() =>
            Mta.Tls.Pki.LoadCertificateAuthority(_folder.Write("ca.pem", Ca.CertificatePem), encryptedKeyFile));
        Assert.Contains("encrypted", caError.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string> NotCertificates => new()
    {
        "",
        "hello\n",
        "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n",
        "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n",
    };

    [Theory]
    [MemberData(nameof(NotCertificates))]
    public void A_file_without_a_PEM_certificate_is_refused_by_name(string content)
    {
        var file = _folder.Write("bad.pem", content);

        Assert.Equal($"{file}: no PEM certificate (-----BEGIN CERTIFICATE-----) found", Assert.Throws<CertificateFileException>(() => Mta.Tls.Pki.LoadCertificate(file)).Message);
        Assert.Equal($"{file}: no PEM certificate (-----BEGIN CERTIFICATE-----) found", Assert.Throws<CertificateFileException>(() => Mta.Tls.Pki.LoadCertificates(file)).Message);
        Assert.Contains(file, Assert.Throws<CertificateFileException>(() => Mta.Tls.Pki.LoadCertificateWithKey(file, file)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_block_that_is_not_DER_is_refused_with_its_position()
    {
        var file = _folder.Write("corrupt.pem", Ca.CertificatePem + "-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n");

        var error = Assert.Throws<CertificateFileException>(() => Mta.Tls.Pki.LoadCertificates(file));

        Assert.StartsWith($"{file}: certificate 2 cannot be decoded", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_refused_by_name()
    {
        var missing = _folder.PathOf("missing.pem");

        Assert.Equal($"{missing}: no such file", Assert.Throws<CertificateFileException>(() => Mta.Tls.Pki.LoadCertificate(missing)).Message);
        Assert.Equal($"{missing}: no such file", Assert.Throws<CertificateFileException>(() => Mta.Tls.Pki.LoadCertificates(missing)).Message);
        Assert.Equal($"{missing}: no such file", Assert.Throws<CertificateFileException>(() => Mta.Tls.Pki.LoadCertificateWithKey(missing, missing)).Message);
        Assert.Equal($"{missing}: no such file", Assert.Throws<CertificateFileException>(() => Mta.Tls.Pki.LoadCertificateAuthority(missing, missing)).Message);
    }

    [Fact]
    public void LoadFolder_reads_every_pem_and_crt_file_in_name_order_without_hash_links()
    {
        _folder.Write("b-other.crt", OtherCa.CertificatePem + NewLeaf("in.bundle.example").CertificatePem);
        _folder.Write("a-files.PEM", Ca.CertificatePem);
        _folder.Write("c-key.pem", NewLeaf("key.only.example").PrivateKeyPem);
        _folder.Write("d-notes.txt", NewLeaf("ignored.example").CertificatePem);
        Directory.CreateDirectory(_folder.PathOf("e-folder.pem"));

        var loaded = Mta.Tls.Pki.LoadFolder(_folder.Path);

        Assert.Equal(["CN=Files CA", "CN=Other Files CA", "CN=in.bundle.example"], loaded.Select(c => c.Subject));
    }

    [Fact]
    public void LoadFolder_of_an_empty_folder_is_empty_and_of_a_missing_folder_an_error()
    {
        Assert.Empty(Mta.Tls.Pki.LoadFolder(_folder.Path));
        var missing = _folder.PathOf("missing");
        Assert.Equal($"{missing}: no such folder", Assert.Throws<CertificateFileException>(() => Mta.Tls.Pki.LoadFolder(missing)).Message);
    }

    [Fact]
    public void LoadCertificateAuthority_refuses_a_leaf_naming_the_files()
    {
        var leaf = NewLeaf("leaf.example");
        var certificateFile = _folder.Write("leaf.pem", leaf.CertificatePem);
        var keyFile = _folder.Write("leaf.key", leaf.PrivateKeyPem);

        var error = Assert.Throws<CertificateFileException>(() => Mta.Tls.Pki.LoadCertificateAuthority(certificateFile, keyFile));

        Assert.Equal($"{certificateFile} with {keyFile}: the certificate is not a CA certificate (basicConstraints CA:false or absent)", error.Message);
    }
}
