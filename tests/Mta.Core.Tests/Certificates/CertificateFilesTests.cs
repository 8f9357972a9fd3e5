using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Mta.Core.Certificates;
using Mta.Core.Tests.Configuration;
using Mta.Core.Tests.Support;
using Mta.Tls;
using Xunit;
using TlsPki = Mta.Tls.Pki;

namespace Mta.Core.Tests.Certificates;

/// <summary>
/// Reading the certificate files of a TLS side and re-reading them when they change: what is loaded,
/// when the files are looked at (paced by a fake clock), and that an unusable change keeps the
/// previous set.
/// </summary>
public sealed class CertificateFilesTests : IDisposable
{
    private static readonly DateTime Epoch = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly TemporaryDirectory _folder = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly RecordingLogger _logger = new();
    private readonly CertificateAuthority _ca = TlsPki.CreateCa("Files CA", TimeSpan.FromDays(30));
    private readonly CertificateAuthority _otherCa = TlsPki.CreateCa("Other Files CA", TimeSpan.FromDays(30));
    private readonly string _certFile;
    private readonly string _keyFile;
    private readonly string _caFile;
    private readonly string _caPath;
    private int _writes;

    public CertificateFilesTests()
    {
        _certFile = Path.Combine(_folder.Path, "cert.pem");
        _keyFile = Path.Combine(_folder.Path, "key.pem");
        _caFile = Path.Combine(_folder.Path, "ca.pem");
        _caPath = Path.Combine(_folder.Path, "cas");
        Directory.CreateDirectory(_caPath);
        WriteCertificate(Issue("a.test"));
        Write(_caFile, _ca.CertificatePem);
    }

    [Fact]
    public void Loads_the_certificate_with_its_key_the_chain_after_it_and_the_authorities_of_ca_file_and_ca_path()
    {
        var leaf = Issue("chain.test");
        Write(_certFile, leaf.CertificatePem + _ca.CertificatePem + _otherCa.CertificatePem);
        Write(_keyFile, leaf.PrivateKeyPem);
        Write(Path.Combine(_caPath, "other.pem"), _otherCa.CertificatePem);

        var set = Files().Current;

        Assert.NotNull(set.Certificate);
        Assert.True(set.Certificate.HasPrivateKey);
        Assert.Equal("chain.test", set.Certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false));
        Assert.Equal(["CN=Files CA", "CN=Other Files CA"], set.Chain.Select(c => c.Subject));
        Assert.Equal(["CN=Files CA", "CN=Other Files CA"], set.Authorities.Select(c => c.Subject));
    }

    [Fact]
    public void Without_files_the_set_is_empty()
    {
        var files = new CertificateFiles<CertificateSet>("mta.smtp.tls", null, null, null, null, set => set, _clock, _logger);

        Assert.Null(files.Current.Certificate);
        Assert.Empty(files.Current.Chain);
        Assert.Empty(files.Current.Authorities);
    }

    [Fact]
    public void A_changed_certificate_is_used_once_the_check_interval_has_passed()
    {
        var files = Files();
        WriteCertificate(Issue("b.test"));

        _clock.Advance(CertificateFiles<CertificateSet>.CheckInterval - TimeSpan.FromMilliseconds(1));
        Assert.Equal("a.test", Name(files.Current));

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("b.test", Name(files.Current));
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Information
            && e.Message.StartsWith("mta.smtp.tls: reloaded the TLS certificate files (cert-file " + _certFile, StringComparison.Ordinal));
    }

    [Fact]
    public void Unchanged_files_are_not_read_again()
    {
        var files = Files();
        var first = files.Current;

        _clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Same(first, files.Current);
        Assert.Empty(_logger.Entries);
    }

    [Fact]
    public void A_new_ca_file_and_a_new_file_in_ca_path_are_trusted_after_the_reload()
    {
        var files = Files();
        Assert.Equal(["CN=Files CA"], files.Current.Authorities.Select(c => c.Subject));

        Write(_caFile, _otherCa.CertificatePem);
        Write(Path.Combine(_caPath, "first.pem"), _ca.CertificatePem);
        _clock.Advance(CertificateFiles<CertificateSet>.CheckInterval);

        Assert.Equal(["CN=Other Files CA", "CN=Files CA"], files.Current.Authorities.Select(c => c.Subject));
    }

    [Fact]
    public void A_file_removed_from_ca_path_is_no_longer_trusted()
    {
        string extra = Path.Combine(_caPath, "extra.pem");
        Write(extra, _otherCa.CertificatePem);
        var files = Files();
        Assert.Equal(2, files.Current.Authorities.Count);

        File.Delete(extra);
        _clock.Advance(CertificateFiles<CertificateSet>.CheckInterval);

        Assert.Equal(["CN=Files CA"], files.Current.Authorities.Select(c => c.Subject));
    }

    [Theory]
    [InlineData("not a certificate")]
    [InlineData("")]
    public void An_unusable_certificate_file_keeps_the_previous_set_and_is_reported_once(string garbage)
    {
        var files = Files();
        var before = files.Current;

        Write(_certFile, garbage);
        _clock.Advance(CertificateFiles<CertificateSet>.CheckInterval);
        Assert.Same(before, files.Current);
        _clock.Advance(CertificateFiles<CertificateSet>.CheckInterval);
        Assert.Same(before, files.Current);

        var error = Assert.Single(_logger.Entries, e => e.Level == LogLevel.Error);
        Assert.StartsWith("mta.smtp.tls: the TLS certificate files changed but cannot be used (", error.Message, StringComparison.Ordinal);
        Assert.Contains(_certFile, error.Message, StringComparison.Ordinal);
        Assert.EndsWith("keeping the previous ones. Fix the files; they are looked at again when they change", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_that_does_not_belong_to_the_new_certificate_keeps_the_previous_set_until_the_key_follows()
    {
        var files = Files();
        var renewed = Issue("b.test");

        Write(_certFile, renewed.CertificatePem);
        _clock.Advance(CertificateFiles<CertificateSet>.CheckInterval);
        Assert.Equal("a.test", Name(files.Current));

        Write(_keyFile, renewed.PrivateKeyPem);
        _clock.Advance(CertificateFiles<CertificateSet>.CheckInterval);
        Assert.Equal("b.test", Name(files.Current));
    }

    [Fact]
    public void A_set_the_side_cannot_use_keeps_the_previous_one()
    {
        var files = new CertificateFiles<CertificateSet>("mta.smtpd.tls", _certFile, _keyFile, _caFile, null,
            set => Name(set) == "a.test" ? set : throw new ArgumentException("not for this side"), _clock, _logger);
        var before = files.Current;

        WriteCertificate(Issue("b.test"));
        _clock.Advance(CertificateFiles<CertificateSet>.CheckInterval);

        Assert.Same(before, files.Current);
        Assert.Contains(_logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("not for this side", StringComparison.Ordinal));
    }

    [Fact]
    public void Files_that_cannot_be_used_at_start_are_an_error_naming_the_file()
    {
        string missing = Path.Combine(_folder.Path, "missing.pem");

        var error = Assert.Throws<CertificateFileException>(() =>
            new CertificateFiles<CertificateSet>("mta.smtp.tls", _certFile, _keyFile, missing, null, set => set, _clock, _logger));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();

    private static string Name(CertificateSet set) =>
        set.Certificate!.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false);

    private CertificateFiles<CertificateSet> Files() =>
        new("mta.smtp.tls", _certFile, _keyFile, _caFile, _caPath, set => set, _clock, _logger);

    private IssuedCertificate Issue(string name) =>
        TlsPki.Issue(_ca, name, [name], CertificateUsage.Client, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

    private void WriteCertificate(IssuedCertificate certificate)
    {
        Write(_certFile, certificate.CertificatePem);
        Write(_keyFile, certificate.PrivateKeyPem);
    }

    /// <summary>Writes a file with a last-write time of its own, so that a change is seen even within the file system's time resolution.</summary>
    private void Write(string path, string text)
    {
        File.WriteAllText(path, text);
        File.SetLastWriteTimeUtc(path, Epoch.AddSeconds(++_writes));
    }
}
