using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mta.Tls;

/// <summary>Loading the PEM files that the TLS settings name.</summary>
public static partial class Pki
{
    private static readonly string[] FolderExtensions = [".pem", ".crt"];

    /// <summary>
    /// The first certificate in a PEM file (the leaf, when the file holds a chain). Throws
    /// <see cref="CertificateFileException"/> when the file is missing, unreadable or holds no certificate.
    /// </summary>
    public static X509Certificate2 LoadCertificate(string pemFile)
    {
        var certificates = LoadCertificates(pemFile);
        for (var i = 1; i < certificates.Count; i++) certificates[i].Dispose();
        return certificates[0];
    }

    /// <summary>
    /// The certificate (the first in <paramref name="certFile"/>) with the private key of <paramref name="keyFile"/>
    /// attached (PKCS#8 or traditional EC/RSA PEM, unencrypted; the two may be the same file), as cert-file and
    /// key-file give them. Throws <see cref="CertificateFileException"/> when either cannot be read or the key
    /// does not belong to the certificate.
    /// </summary>
    public static X509Certificate2 LoadCertificateWithKey(string certFile, string keyFile)
    {
        var certificateText = ReadText(certFile);
        var keyText = ReadText(keyFile);
        if (PemText.Certificates(certificateText).Count == 0) throw NoCertificate(certFile);
        if (PemText.HasEncryptedKey(keyText))
            throw new CertificateFileException($"{keyFile}: the private key is encrypted; an MTA starts unattended, so it needs an unencrypted key");
        try
        {
            return X509Certificate2.CreateFromPem(certificateText, keyText);
        }
        catch (CryptographicException e)
        {
            throw new CertificateFileException($"{keyFile}: not a private key for the certificate in {certFile} ({e.Message})", e);
        }
        catch (ArgumentException e)
        {
            throw new CertificateFileException($"{keyFile}: no usable private key for the certificate in {certFile} ({e.Message})", e);
        }
    }

    /// <summary>
    /// A CA certificate with its private key, for issuing certificates. Throws <see cref="CertificateFileException"/>
    /// when the files cannot be read, the certificate is not a CA or the key is not its key.
    /// </summary>
    public static CertificateAuthority LoadCertificateAuthority(string certFile, string keyFile)
    {
        var certificateText = ReadText(certFile);
        var keyText = ReadText(keyFile);
        if (PemText.Certificates(certificateText).Count == 0) throw NoCertificate(certFile);
        try
        {
            return CertificateAuthority.FromPem(certificateText, keyText);
        }
        catch (CryptographicException e)
        {
            throw new CertificateFileException($"{certFile} with {keyFile}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Every certificate of a PEM bundle, in file order (a ca-file). Throws <see cref="CertificateFileException"/>
    /// when the file is missing, unreadable, holds no certificate, or holds one that cannot be decoded.
    /// </summary>
    public static X509Certificate2Collection LoadCertificates(string pemFile)
    {
        var certificates = ReadCertificates(pemFile, ReadText(pemFile));
        if (certificates.Count == 0) throw NoCertificate(pemFile);
        return certificates;
    }

    /// <summary>
    /// Every certificate in the <c>*.pem</c> and <c>*.crt</c> files of a folder (a ca-path), read in name order.
    /// No <c>c_rehash</c> links are needed; files without certificates (such as keys) are skipped, and an
    /// empty folder gives an empty collection. Throws <see cref="CertificateFileException"/> when the folder
    /// does not exist or a file cannot be read or decoded.
    /// </summary>
    public static X509Certificate2Collection LoadFolder(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!Directory.Exists(path)) throw new CertificateFileException($"{path}: no such folder");
        var files = Directory.EnumerateFiles(path)
            .Where(file => FolderExtensions.Any(extension => file.EndsWith(extension, StringComparison.OrdinalIgnoreCase)))
            .Order(StringComparer.Ordinal)
            .ToList();
        var all = new X509Certificate2Collection();
        foreach (var file in files) all.AddRange(ReadCertificates(file, ReadText(file)));
        return all;
    }

    private static X509Certificate2Collection ReadCertificates(string file, string text)
    {
        var certificates = new X509Certificate2Collection();
        var blocks = PemText.Certificates(text);
        for (var i = 0; i < blocks.Count; i++)
        {
            try
            {
                certificates.Add(X509CertificateLoader.LoadCertificate(blocks[i]));
            }
            catch (CryptographicException e)
            {
                foreach (var loaded in certificates) loaded.Dispose();
                throw new CertificateFileException($"{file}: certificate {i + 1} cannot be decoded ({e.Message})", e);
            }
        }
        return certificates;
    }

    private static string ReadText(string file)
    {
        ArgumentNullException.ThrowIfNull(file);
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CertificateFileException($"{file}: no such file", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CertificateFileException($"{file}: cannot be read ({e.Message})", e);
        }
    }

    private static CertificateFileException NoCertificate(string file) =>
        new($"{file}: no PEM certificate (-----BEGIN CERTIFICATE-----) found");
}
