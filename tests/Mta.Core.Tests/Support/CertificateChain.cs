using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mta.Core.Tests.Support;

/// <summary>
/// A root CA, an intermediate CA it signed, and leaf certificates the intermediate issues, made with
/// the platform's own certificate API and written as PEM files: a chain as a public CA would hand one
/// out, which the project's own PKI does not make.
/// </summary>
internal sealed class CertificateChain : IDisposable
{
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;
    private int _serial;

    public CertificateChain(string folder)
    {
        Folder = folder;
        Root = CreateCa("Chain Root", issuer: null);
        Intermediate = CreateCa("Chain Intermediate", Root);
        RootFile = Path.Combine(folder, "root.pem");
        File.WriteAllText(RootFile, Root.ExportCertificatePem() + "\n");
    }

    public string Folder { get; }

    public X509Certificate2 Root { get; }

    public X509Certificate2 Intermediate { get; }

    /// <summary>The root alone, as a ca-file.</summary>
    public string RootFile { get; }

    /// <summary>
    /// Issues a client certificate for <paramref name="name"/> from the intermediate and writes it to
    /// <c>cert</c> (followed by the intermediate when <paramref name="withIntermediate"/>) and its
    /// key to <c>key</c>.
    /// </summary>
    public void WriteClient(string name, bool withIntermediate, string certFile, string keyFile)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ClientAuth], false));
        using ECDsa issuerKey = Intermediate.GetECDsaPrivateKey()!;
        using X509Certificate2 leaf = request.Create(Intermediate.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey),
            _now.AddDays(-1), _now.AddDays(28), NextSerial());
        File.WriteAllText(certFile, leaf.ExportCertificatePem() + "\n" + (withIntermediate ? Intermediate.ExportCertificatePem() + "\n" : ""));
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose()
    {
        Root.Dispose();
        Intermediate.Dispose();
    }

    private X509Certificate2 CreateCa(string name, X509Certificate2? issuer)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (issuer is null)
        {
            return request.CreateSelfSigned(_now.AddDays(-1), _now.AddDays(30));
        }

        using ECDsa issuerKey = issuer.GetECDsaPrivateKey()!;
        using X509Certificate2 signed = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey),
            _now.AddDays(-1), _now.AddDays(29), NextSerial());
        return signed.CopyWithPrivateKey(key);
    }

    private byte[] NextSerial() => BitConverter.GetBytes(++_serial);
}
