using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Mta.Core.Configuration;
using Mta.Tls;

namespace Mta.Core.Ingress;

/// <summary>What a session knows of its TLS after the handshake.</summary>
/// <param name="Protocol">"TLSv1.2" or "TLSv1.3".</param>
/// <param name="Cipher">The cipher suite's IANA name.</param>
/// <param name="Bits">Symmetric key size of the cipher, 0 when unknown.</param>
/// <param name="CertificateRequested">The server asked for a client certificate.</param>
/// <param name="ClientCertificate">Whether the client presented one.</param>
/// <param name="Subject">The client certificate's CN, sanitised; null without a certificate.</param>
/// <param name="Issuer">The issuer's CN, sanitised.</param>
/// <param name="Verified">The certificate chains to ca-file/ca-path (system roots never count).</param>
/// <param name="CertificateFingerprint">Fingerprint of the DER certificate in the configured digest.</param>
/// <param name="PublicKeyFingerprint">Fingerprint of the DER SubjectPublicKeyInfo in the configured digest.</param>
public sealed record TlsFacts(string Protocol, string Cipher, int Bits, bool CertificateRequested, bool ClientCertificate,
    string? Subject, string? Issuer, bool Verified, string? CertificateFingerprint, string? PublicKeyFingerprint)
{
    /// <summary>The comment lines of the Received header, as Postfix writes them with smtpd_tls_received_header.</summary>
    public IReadOnlyList<string> ReceivedLines() =>
    [
        Bits > 0 ? $"(using {Protocol} with cipher {Cipher} ({Bits}/{Bits} bits))" : $"(using {Protocol} with cipher {Cipher})",
        !CertificateRequested ? "(No client certificate requested)"
            : !ClientCertificate ? "(Client did not present a certificate)"
            : $"(Client CN \"{Subject}\", Issuer \"{Issuer}\" ({(Verified ? "verified OK" : "not verified")}))",
    ];
}

/// <summary>
/// The server side of TLS for every session of a node: the certificate (re-read when its files
/// change; a bad new file keeps the old one), the CA certificates client certificates are checked
/// against, the handshake options, and what a finished handshake tells about the client.
/// </summary>
public sealed class ServerTls
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly SmtpdTlsSettings _settings;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private Loaded _loaded;
    private DateTimeOffset _checkedAt;

    /// <summary>Loads the certificate and CA files; throws when they cannot be used at start.</summary>
    public ServerTls(SmtpdTlsSettings settings, TimeProvider clock, ILogger logger)
    {
        _settings = settings;
        _clock = clock;
        _logger = logger;
        _loaded = Load();
        _checkedAt = clock.GetUtcNow();
    }

    /// <summary>Handshake options with the current certificate.</summary>
    public SslServerAuthenticationOptions Options
    {
        get
        {
            ReloadIfChanged();
            return _loaded.Options;
        }
    }

    /// <summary>Facts about the client after a finished handshake.</summary>
    public TlsFacts Describe(SslStream ssl)
    {
        var protocol = ssl.SslProtocol switch
        {
            System.Security.Authentication.SslProtocols.Tls13 => "TLSv1.3",
            System.Security.Authentication.SslProtocols.Tls12 => "TLSv1.2",
            var other => other.ToString(),
        };
        var cipher = ssl.NegotiatedCipherSuite.ToString();
        var bits = cipher.Contains("_256_", StringComparison.Ordinal) || cipher.Contains("CHACHA20", StringComparison.Ordinal) ? 256
            : cipher.Contains("_128_", StringComparison.Ordinal) ? 128 : 0;
        if (ssl.RemoteCertificate is not { } remote)
            return new TlsFacts(protocol, cipher, bits, _settings.AskCcert, false, null, null, false, null, null);
        using var certificate = new X509Certificate2(remote);
        var verified = Verify(certificate);
        return new TlsFacts(protocol, cipher, bits, _settings.AskCcert, true,
            Sanitize(certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false)),
            Sanitize(certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: true)),
            verified,
            Fingerprint.OfCertificate(certificate, _settings.FingerprintDigest),
            Fingerprint.OfPublicKey(certificate, _settings.FingerprintDigest));
    }

    private bool Verify(X509Certificate2 certificate)
    {
        var authorities = _loaded.Authorities;
        if (authorities.Count == 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.ExtraStore.AddRange(authorities);
        // Offline by design: the machine may have no network, and Postfix does not fetch either.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = _clock.GetUtcNow().UtcDateTime;
        return chain.Build(certificate);
    }

    /// <summary>CN and issuer come from the client: no control characters, quotes or parentheses in a header.</summary>
    internal static string Sanitize(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsControl(c) || c is '"' or '(' or ')' or '\\') continue;
            builder.Append(c);
        }
        return builder.ToString();
    }

    private void ReloadIfChanged()
    {
        var now = _clock.GetUtcNow();
        if (now - _checkedAt < CheckInterval) return;
        lock (_gate)
        {
            if (now - _checkedAt < CheckInterval) return;
            _checkedAt = now;
            if (Stamp() == _loaded.Stamp) return;
            try
            {
                _loaded = Load();
                _logger.LogInformation("Reloaded the TLS certificate from {CertFile}", _settings.CertFile);
            }
            catch (Exception e) when (e is CertificateFileException or IOException or System.Security.Cryptography.CryptographicException or ArgumentException or UnauthorizedAccessException)
            {
                _logger.LogError(e, "The TLS certificate files changed but cannot be used ({Reason}); keeping the previous certificate", e.Message);
                _loaded = _loaded with { Stamp = Stamp() };
            }
        }
    }

    private string Stamp()
    {
        var builder = new StringBuilder();
        foreach (var path in new[] { _settings.CertFile, _settings.KeyFile, _settings.CaFile })
        {
            if (path is null) continue;
            var info = new FileInfo(path);
            builder.Append(info.Exists ? $"{info.LastWriteTimeUtc.Ticks}/{info.Length};" : "missing;");
        }
        if (_settings.CaPath is { } folder && Directory.Exists(folder))
            foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
                builder.Append(file).Append(new FileInfo(file).LastWriteTimeUtc.Ticks).Append(';');
        return builder.ToString();
    }

    private Loaded Load()
    {
        var stamp = Stamp();
        var certificate = Pki.LoadCertificateWithKey(_settings.CertFile!, _settings.KeyFile!);
        var chain = Pki.LoadCertificates(_settings.CertFile!);
        var intermediates = new X509Certificate2Collection();
        foreach (var extra in chain)
            if (!extra.Thumbprint.Equals(certificate.Thumbprint, StringComparison.OrdinalIgnoreCase)) intermediates.Add(extra);
        var authorities = new X509Certificate2Collection();
        if (_settings.CaFile is { } caFile) authorities.AddRange(Pki.LoadCertificates(caFile).ToArray());
        if (_settings.CaPath is { } caPath) authorities.AddRange(Pki.LoadFolder(caPath).ToArray());
        var trust = authorities.Count > 0 ? SslCertificateTrust.CreateForX509Collection(authorities, sendTrustInHandshake: true) : null;
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, intermediates, offline: true, trust),
            ClientCertificateRequired = _settings.AskCcert,
            // Whether a client certificate counts is decided after the handshake, against our CAs only.
            RemoteCertificateValidationCallback = static (_, _, _, _) => true,
            EnabledSslProtocols = _settings.Protocols,
            CipherSuitesPolicy = _settings.Ciphers is { } ciphers && !OperatingSystem.IsWindows() ? new CipherSuitesPolicy(ciphers) : null,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        return new Loaded(options, authorities, stamp);
    }

    private sealed record Loaded(SslServerAuthenticationOptions Options, X509Certificate2Collection Authorities, string Stamp);
}
