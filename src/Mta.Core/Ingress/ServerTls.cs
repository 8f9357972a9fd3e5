using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using System.Runtime.CompilerServices;
using Mta.Core.Certificates;
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
    private readonly SmtpdTlsSettings _settings;
    private readonly TimeProvider _clock;
    private readonly CertificateFiles<Loaded> _files;

    // The certificates each client sent with its own, kept from the validation callback until Describe.
    private readonly ConditionalWeakTable<object, X509Certificate2Collection> _sentChains = [];

    // The intermediates each client certificate last came with. A resumed TLS session carries the
    // client's certificate but not the chain it sent: these stand in for it, as Postfix's session
    // cache keeps the verification result. Bounded; emptied when full.
    private readonly ConcurrentDictionary<string, byte[][]> _chainsByCertificate = new(StringComparer.Ordinal);
    private const int RememberedChainsLimit = 10_000;

    /// <summary>Loads the certificate and CA files; throws when they cannot be used at start.</summary>
    /// <exception cref="CertificateFileException">A file cannot be read or used.</exception>
    public ServerTls(SmtpdTlsSettings settings, TimeProvider clock, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _clock = clock;
        _files = new CertificateFiles<Loaded>("mta.smtpd.tls", settings.CertFile, settings.KeyFile, settings.CaFile, settings.CaPath, Build, clock, logger);
    }

    /// <summary>Handshake options with the current certificate.</summary>
    public SslServerAuthenticationOptions Options => _files.Current.Options;

    /// <summary>Drops what a failed handshake's client sent; a finished one is cleared by <see cref="Describe"/>.</summary>
    public void Forget(SslStream ssl)
    {
        ArgumentNullException.ThrowIfNull(ssl);
        if (!_sentChains.TryGetValue(ssl, out var sent)) return;
        _sentChains.Remove(ssl);
        foreach (var copy in sent) copy.Dispose();
    }

    /// <summary>Facts about the client after a finished handshake.</summary>
    public TlsFacts Describe(SslStream ssl)
    {
        ArgumentNullException.ThrowIfNull(ssl);
        var protocol = ssl.SslProtocol switch
        {
            System.Security.Authentication.SslProtocols.Tls13 => "TLSv1.3",
            System.Security.Authentication.SslProtocols.Tls12 => "TLSv1.2",
            var other => other.ToString(),
        };
        var cipher = ssl.NegotiatedCipherSuite.ToString();
        var bits = cipher.Contains("_256_", StringComparison.Ordinal) || cipher.Contains("CHACHA20", StringComparison.Ordinal) ? 256
            : cipher.Contains("_128_", StringComparison.Ordinal) ? 128 : 0;
        _sentChains.TryGetValue(ssl, out var sent);
        _sentChains.Remove(ssl);
        try
        {
            if (ssl.RemoteCertificate is not { } remote)
                return new TlsFacts(protocol, cipher, bits, _settings.AskCcert, false, null, null, false, null, null);
            using var certificate = new X509Certificate2(remote);
            sent = WithRememberedChain(certificate, sent);
            var verified = Verify(certificate, sent);
            return new TlsFacts(protocol, cipher, bits, _settings.AskCcert, true,
                Sanitize(certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false)),
                Sanitize(certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: true)),
                verified,
                Fingerprint.OfCertificate(certificate, _settings.FingerprintDigest),
                Fingerprint.OfPublicKey(certificate, _settings.FingerprintDigest));
        }
        finally
        {
            foreach (var copy in sent ?? []) copy.Dispose();
        }
    }

    /// <summary>
    /// What the client sent after its certificate; when it sent nothing more (a resumed session),
    /// what the same certificate came with last time. Copies that Describe disposes.
    /// </summary>
    private X509Certificate2Collection? WithRememberedChain(X509Certificate2 certificate, X509Certificate2Collection? sent)
    {
        var key = certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var others = sent?.Where(c => !c.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span)).Select(c => c.RawData).ToArray() ?? [];
        if (others.Length > 0)
        {
            if (_chainsByCertificate.Count >= RememberedChainsLimit) _chainsByCertificate.Clear();
            _chainsByCertificate[key] = others;
            return sent;
        }
        if (!_chainsByCertificate.TryGetValue(key, out var remembered)) return sent;
        var chain = sent ?? [];
        foreach (var der in remembered) chain.Add(X509CertificateLoader.LoadCertificate(der));
        return chain;
    }

    /// <summary>
    /// Whether the client certificate chains to ca-file/ca-path, through the intermediates the client
    /// sent if need be, as OpenSSL builds it for Postfix. The system's roots never count.
    /// </summary>
    private bool Verify(X509Certificate2 certificate, X509Certificate2Collection? sent)
    {
        var authorities = _files.Current.Authorities;
        if (authorities.Count == 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.ExtraStore.AddRange(authorities);
        if (sent is not null) chain.ChainPolicy.ExtraStore.AddRange(sent);
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

    private Loaded Build(CertificateSet files)
    {
        var certificate = files.Certificate ?? throw new ArgumentException("mta.smtpd.tls.cert-file is not set");
        var trust = files.Authorities.Count > 0 ? SslCertificateTrust.CreateForX509Collection(files.Authorities, sendTrustInHandshake: true) : null;
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, files.Chain, offline: true, trust),
            ClientCertificateRequired = _settings.AskCcert,
            // Whether a client certificate counts is decided after the handshake, against our CAs only;
            // the callback only keeps what the client sent with its certificate.
            RemoteCertificateValidationCallback = KeepSentChain,
            EnabledSslProtocols = _settings.Protocols,
            CipherSuitesPolicy = _settings.Ciphers is { } ciphers && !OperatingSystem.IsWindows() ? new CipherSuitesPolicy(ciphers) : null,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        return new Loaded(options, files.Authorities);
    }

    private bool KeepSentChain(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (chain is { ChainPolicy.ExtraStore.Count: > 0 })
        {
            // The platform disposes its chain after the callback: keep copies.
            var copies = new X509Certificate2Collection();
            foreach (var sent in chain.ChainPolicy.ExtraStore) copies.Add(X509CertificateLoader.LoadCertificate(sent.RawDataMemory.Span));
            _sentChains.AddOrUpdate(sender, copies);
        }
        return true;
    }

    private sealed record Loaded(SslServerAuthenticationOptions Options, X509Certificate2Collection Authorities);
}
