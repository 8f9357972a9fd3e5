using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Mta.LoadGen;

/// <summary>
/// How sessions run STARTTLS: the client certificate to present (for relay by fingerprint) and,
/// with a CA file, a chain check of the server certificate. The server's name is not checked:
/// load runs connect to addresses, and the point is the cost of TLS, not the identity of a test server.
/// </summary>
internal sealed class TlsClientSettings : IDisposable
{
    private readonly X509Certificate2? clientCertificate;
    private readonly X509Certificate2Collection? trustedRoots;

    private TlsClientSettings(X509Certificate2? clientCertificate, X509Certificate2Collection? trustedRoots, string targetHost)
    {
        this.clientCertificate = clientCertificate;
        this.trustedRoots = trustedRoots;
        AuthenticationOptions = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            ClientCertificateContext = clientCertificate is null ? null : SslStreamCertificateContext.Create(clientCertificate, additionalCertificates: null, offline: true),
            RemoteCertificateValidationCallback = ValidateServerCertificate,
        };
    }

    /// <summary>Shared by every connection of the run.</summary>
    public SslClientAuthenticationOptions AuthenticationOptions { get; }

    /// <summary>Loads the files named by the options.</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">A file is not a PEM certificate or key.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public static TlsClientSettings Load(LoadGenOptions options)
    {
        var clientCertificate = options.TlsCertFile is { } certFile && options.TlsKeyFile is { } keyFile
            ? X509Certificate2.CreateFromPemFile(certFile, keyFile)
            : null;
        X509Certificate2Collection? roots = null;
        if (options.TlsCaFile is { } caFile)
        {
            roots = [];
            roots.ImportFromPemFile(caFile);
        }

        return new TlsClientSettings(clientCertificate, roots, options.Host);
    }

    public void Dispose()
    {
        clientCertificate?.Dispose();
        foreach (var root in trustedRoots ?? [])
        {
            root.Dispose();
        }
    }

    private bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (trustedRoots is null)
        {
            // Encryption without authentication, as Postfix's "encrypt" level.
            return true;
        }

        if (certificate is null)
        {
            return false;
        }

        using var customChain = new X509Chain();
        customChain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        customChain.ChainPolicy.CustomTrustStore.AddRange(trustedRoots);
        customChain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            customChain.ChainPolicy.ExtraStore.AddRange(chain.ChainElements.Select(element => element.Certificate).ToArray());
        }

        using var loaded = certificate is X509Certificate2 ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return customChain.Build(loaded ?? (X509Certificate2)certificate);
    }
}
