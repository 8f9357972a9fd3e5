using System.Security.Cryptography.X509Certificates;
using Mta.Core.Tests.Support;
using Mta.Tls;
using TlsPki = Mta.Tls.Pki;

namespace Mta.Core.Tests.Delivery;

/// <summary>
/// Certificates for delivery over TLS, made once per test class with the project's own PKI code and
/// written to files as the settings name them: a CA, servers for <see cref="ServerName"/> that are
/// good, self-signed, expired, issued for another name or by another CA, and a client certificate.
/// </summary>
public sealed class DeliveryCertificates : IDisposable
{
    /// <summary>The name every server certificate but <see cref="WrongName"/> is issued for.</summary>
    public const string ServerName = "mx.sink.test";

    private readonly TemporaryDirectory _folder = new();

    public DeliveryCertificates()
    {
        var now = DateTimeOffset.UtcNow;
        var ca = TlsPki.CreateCa("Delivery CA", TimeSpan.FromDays(30));
        var otherCa = TlsPki.CreateCa("Other CA", TimeSpan.FromDays(30));
        CaFile = Write("ca.pem", ca.CertificatePem);
        Valid = Save("valid", TlsPki.Issue(ca, ServerName, [ServerName], CertificateUsage.Server, now.AddDays(-1), now.AddDays(30)));
        SelfSigned = Save("self", TlsPki.SelfSigned(ServerName, [ServerName], CertificateUsage.Server, now.AddDays(-1), now.AddDays(30)));
        Expired = Save("expired", TlsPki.Issue(ca, ServerName, [ServerName], CertificateUsage.Server, now.AddDays(-30), now.AddDays(-1)));
        WrongName = Save("wrong", TlsPki.Issue(ca, "mx.other.test", ["mx.other.test"], CertificateUsage.Server, now.AddDays(-1), now.AddDays(30)));
        Untrusted = Save("untrusted", TlsPki.Issue(otherCa, ServerName, [ServerName], CertificateUsage.Server, now.AddDays(-1), now.AddDays(30)));
        Client = Save("client", TlsPki.Issue(otherCa, "client.test", [], CertificateUsage.Client, now.AddDays(-1), now.AddDays(30)));
    }

    public string CaFile { get; }

    public Issued Valid { get; }

    public Issued SelfSigned { get; }

    public Issued Expired { get; }

    public Issued WrongName { get; }

    public Issued Untrusted { get; }

    /// <summary>A client certificate from a CA the sinks do not name in their hints.</summary>
    public Issued Client { get; }

    public void Dispose() => _folder.Dispose();

    private Issued Save(string name, CertificateWithKey certificate) =>
        new(Write(name + ".pem", certificate.CertificatePem), Write(name + ".key", certificate.PrivateKeyPem));

    private string Write(string name, string text)
    {
        string path = Path.Combine(_folder.Path, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A certificate and key as files.</summary>
    public sealed record Issued(string CertFile, string KeyFile)
    {
        /// <summary>The certificate with its key; the caller disposes it.</summary>
        public X509Certificate2 Load() => TlsPki.LoadCertificateWithKey(CertFile, KeyFile);

        /// <summary>The certificate's sha256 fingerprint as openssl prints it.</summary>
        public string Sha256()
        {
            using X509Certificate2 certificate = TlsPki.LoadCertificate(CertFile);
            return Fingerprint.OfCertificate(certificate, FingerprintDigest.Sha256);
        }
    }
}
