using Xunit;

namespace Mta.Tls.Tests.Pki;

/// <summary>
/// Certificates made once for a test class, written as PEM files: an ECDSA CA with an ECDSA and an RSA
/// leaf, and a self-signed certificate made by openssl itself, so that fingerprints are checked on
/// certificates that our generator did not make too.
/// </summary>
public sealed class SampleCertificates : IAsyncLifetime, IDisposable
{
    private readonly TemporaryFolder _folder = new();

    /// <summary>The CA that issued the leaves.</summary>
    public CertificateAuthority Ca { get; } = Mta.Tls.Pki.CreateCa("Sample CA", TimeSpan.FromDays(30));

    /// <summary>Name of each certificate file, keyed by what made it: "ecdsa", "rsa", "openssl".</summary>
    public IReadOnlyDictionary<string, string> Files => _files;

    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);

    /// <summary>Writes the certificate files.</summary>
    public async Task InitializeAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var ecdsa = Mta.Tls.Pki.Issue(Ca, "ecdsa.example", ["ecdsa.example"], CertificateUsage.Server, now.AddHours(-1), now.AddDays(1));
        var rsa = Mta.Tls.Pki.Issue(Ca, "rsa.example", ["rsa.example"], CertificateUsage.Client, now.AddHours(-1), now.AddDays(1), KeyAlgorithm.Rsa2048);
        _files["ecdsa"] = _folder.Write("ecdsa.pem", ecdsa.CertificatePem);
        _files["rsa"] = _folder.Write("rsa.pem", rsa.CertificatePem);
        _files["openssl"] = _folder.PathOf("openssl.pem");
        await OpenSsl.OutputOfAsync(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes", "-subj", "/CN=openssl.example",
            "-days", "2", "-keyout", _folder.PathOf("openssl.key"), "-out", _files["openssl"]);
    }

    /// <summary>Nothing to do: <see cref="Dispose"/> removes the files.</summary>
    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Removes the files.</summary>
    public void Dispose() => _folder.Dispose();
}
