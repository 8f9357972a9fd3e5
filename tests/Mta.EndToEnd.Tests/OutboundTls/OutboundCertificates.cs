using Mta.Tls;
using TlsPki = Mta.Tls.Pki;

namespace Mta.EndToEnd.Tests.OutboundTls;

/// <summary>
/// The certificates of the outbound TLS tests, made at test time with the project's own PKI code:
/// the CA the sender trusts, another CA it does not, a receiver certificate per kind of server
/// (each naming the MX hosts it serves), and the sender's client certificate from a third CA that no
/// receiver names in its certificate request.
/// </summary>
internal sealed class OutboundCertificates : IDisposable
{
    public OutboundCertificates()
    {
        Folder = Directory.CreateTempSubdirectory("mta-outbound-tls-").FullName;
        var now = DateTimeOffset.UtcNow;
        Ca = TlsPki.CreateCa("Outbound CA", TimeSpan.FromDays(30));
        OtherCa = TlsPki.CreateCa("Other CA", TimeSpan.FromDays(30));
        var clientCa = TlsPki.CreateCa("Client CA", TimeSpan.FromDays(30));
        CaFile = Write("ca.pem", Ca.CertificatePem);
        (ClientCert, ClientKey) = Save("client", TlsPki.Issue(clientCa, "client.sender.test", [], CertificateUsage.Client, now.AddDays(-1), now.AddDays(30)));
        using var client = TlsPki.LoadCertificate(ClientCert);
        ClientFingerprint = Fingerprint.OfCertificate(client, FingerprintDigest.Sha256);
    }

    public string Folder { get; }

    public CertificateAuthority Ca { get; }

    public CertificateAuthority OtherCa { get; }

    public string CaFile { get; }

    public string ClientCert { get; }

    public string ClientKey { get; }

    public string ClientFingerprint { get; }

    /// <summary>Writes a certificate and key for a receiver and returns the files.</summary>
    public (string Cert, string Key) Receiver(string name, CertificateWithKey certificate) => Save(name, certificate);

    /// <summary>The sha256 fingerprint of the certificate in <paramref name="certFile"/>.</summary>
    public static string Sha256Of(string certFile)
    {
        using var certificate = TlsPki.LoadCertificate(certFile);
        return Fingerprint.OfCertificate(certificate, FingerprintDigest.Sha256);
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    private (string Cert, string Key) Save(string name, CertificateWithKey certificate) =>
        (Write(name + ".pem", certificate.CertificatePem), Write(name + ".key", certificate.PrivateKeyPem));

    private string Write(string name, string text)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, text);
        return path;
    }
}
