using Mta.Tls;
using TlsPki = Mta.Tls.Pki;

namespace Mta.EndToEnd.Tests.Tls;

/// <summary>
/// The certificates of the seed's scenario, made at test time with the project's own PKI code:
/// one CA, the server, a partner client whose fingerprint is listed, and the clients that must
/// not relay (unlisted from the same CA, self-signed, expired, a copy of the listed subject, and
/// one from another CA).
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    public TestCertificates()
    {
        Folder = Directory.CreateTempSubdirectory("mta-tls-").FullName;
        var now = DateTimeOffset.UtcNow;
        var ca = TlsPki.CreateCa("My CA", TimeSpan.FromDays(30));
        var otherCa = TlsPki.CreateCa("Other CA", TimeSpan.FromDays(30));
        CaFile = Write("ca.pem", ca.CertificatePem);
        OtherCaFile = Write("other-ca.pem", otherCa.CertificatePem);
        (ServerCert, ServerKey) = Save("server", TlsPki.Issue(ca, "mx.test", ["mx.test"], CertificateUsage.Server, now.AddDays(-1), now.AddDays(30)));
        (RenewedServerCert, RenewedServerKey) = Save("server-renewed", TlsPki.Issue(ca, RenewedServerName, [RenewedServerName], CertificateUsage.Server, now.AddDays(-1), now.AddDays(30)));
        (Listed, ListedKey) = Save("client1", TlsPki.Issue(ca, "client1.my.net", [], CertificateUsage.Client, now.AddDays(-1), now.AddDays(30)));
        (Unlisted, UnlistedKey) = Save("client2", TlsPki.Issue(ca, "client2.my.net", [], CertificateUsage.Client, now.AddDays(-1), now.AddDays(30)));
        (SelfSigned, SelfSignedKey) = Save("self", TlsPki.SelfSigned("self.my.net", [], CertificateUsage.Client, now.AddDays(-1), now.AddDays(30)));
        (Expired, ExpiredKey) = Save("expired", TlsPki.Issue(ca, "expired.my.net", [], CertificateUsage.Client, now.AddDays(-30), now.AddDays(-1)));
        (Copycat, CopycatKey) = Save("copycat", TlsPki.SelfSigned("client1.my.net", [], CertificateUsage.Client, now.AddDays(-1), now.AddDays(30)));
        (Foreign, ForeignKey) = Save("foreign", TlsPki.Issue(otherCa, "foreign.my.net", [], CertificateUsage.Client, now.AddDays(-1), now.AddDays(30)));
        using var listed = TlsPki.LoadCertificate(Listed);
        ListedFingerprint = Fingerprint.OfCertificate(listed, FingerprintDigest.Sha256);
        ListedPublicKeyFingerprintMd5 = Fingerprint.OfPublicKey(listed, FingerprintDigest.Md5);
    }

    public string Folder { get; }
    public string CaFile { get; }
    public string OtherCaFile { get; }
    public string ServerCert { get; }
    public string ServerKey { get; }

    /// <summary>The CN and DNS name of <see cref="RenewedServerCert"/>, unlike the first server certificate's.</summary>
    public const string RenewedServerName = "mx-renewed.test";

    /// <summary>A second server certificate from the same CA, to replace the first while the server runs.</summary>
    public string RenewedServerCert { get; }
    public string RenewedServerKey { get; }

    public string Listed { get; }
    public string ListedKey { get; }
    public string Unlisted { get; }
    public string UnlistedKey { get; }
    public string SelfSigned { get; }
    public string SelfSignedKey { get; }
    public string Expired { get; }
    public string ExpiredKey { get; }
    public string Copycat { get; }
    public string CopycatKey { get; }
    public string Foreign { get; }
    public string ForeignKey { get; }
    public string ListedFingerprint { get; }
    public string ListedPublicKeyFingerprintMd5 { get; }

    private (string Cert, string Key) Save(string name, CertificateWithKey certificate) =>
        (Write(name + ".pem", certificate.CertificatePem), Write(name + ".key", certificate.PrivateKeyPem));

    private string Write(string name, string text)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
