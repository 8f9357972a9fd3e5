using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Mta.Core.Certificates;
using Mta.Core.Configuration;
using Mta.Tls;
using Mta.Tls.Policy;

namespace Mta.Core.Delivery;

/// <summary>
/// The client side of TLS for onward delivery: the policy resolver, the client certificate offered
/// to servers that ask, the CAs server certificates are verified against, and the checks that turn
/// a finished handshake into the <see cref="PeerFacts"/> <see cref="TlsDecision.AfterHandshake"/>
/// judges. The handshake itself accepts any certificate: what counts is decided afterwards by the
/// policy, as Postfix does, so that may and encrypt still deliver to a server with a bad certificate.
/// </summary>
public sealed class ClientTls
{
    // The mapping has no state once created; one instance serves every thread.
    private static readonly IdnMapping Idn = new();

    private readonly Func<ClientMaterial> _material;
    private readonly bool _appendDefaultCa;
    private readonly SslProtocols _protocols;
    private readonly TimeProvider _clock;

    /// <summary>Creates the client side of TLS from its parts.</summary>
    /// <param name="policies">Resolves the policy of each nexthop and host.</param>
    /// <param name="clientCertificate">The certificate with its private key, offered to every server that asks; null for none.</param>
    /// <param name="authorities">The trusted CA certificates (ca-file and ca-path).</param>
    /// <param name="appendDefaultCa">Also trust the system's root CAs.</param>
    /// <param name="digest">The digest of the fingerprint level's fingerprints.</param>
    /// <param name="protocols">The TLS versions offered; a policy's protocols= can only narrow them.</param>
    /// <param name="clock">The time certificates are judged at.</param>
    public ClientTls(
        TlsPolicyResolver policies,
        X509Certificate2? clientCertificate,
        X509Certificate2Collection authorities,
        bool appendDefaultCa,
        FingerprintDigest digest,
        SslProtocols protocols,
        TimeProvider clock)
        : this(policies, Fixed(clientCertificate, authorities), appendDefaultCa, digest, protocols, clock)
    {
    }

    private ClientTls(
        TlsPolicyResolver policies,
        Func<ClientMaterial> material,
        bool appendDefaultCa,
        FingerprintDigest digest,
        SslProtocols protocols,
        TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(clock);
        Policies = policies;
        _material = material;
        _appendDefaultCa = appendDefaultCa;
        Digest = digest;
        _protocols = protocols;
        _clock = clock;
    }

    /// <summary>No TLS at all: level none, no tables, no certificates.</summary>
    public static ClientTls Plaintext { get; } = new(
        new TlsPolicyResolver(TlsLevel.None, null, null), null, [], appendDefaultCa: false, FingerprintDigest.Sha256,
        SslProtocols.Tls12 | SslProtocols.Tls13, TimeProvider.System);

    /// <summary>Resolves the policy of each nexthop and host.</summary>
    public TlsPolicyResolver Policies { get; }

    /// <summary>The digest of the fingerprint level's fingerprints.</summary>
    public FingerprintDigest Digest { get; }

    /// <summary>The sha256 fingerprint of the client certificate now, or null without one: part of what a reused connection must share.</summary>
    public string? ClientCertificateFingerprint => _material().Fingerprint;

    /// <summary>The certificate files as they are now; one attempt reads them once.</summary>
    internal ClientMaterial CurrentMaterial => _material();

    /// <summary>Log "Host offered STARTTLS" when the policy did not use it (note-starttls-offer).</summary>
    public bool NoteStartTlsOffer { get; init; }

    /// <summary>0 to 4, as Postfix's smtp_tls_loglevel.</summary>
    public int LogLevel { get; init; }

    /// <summary>
    /// Loads the files <paramref name="settings"/> names: the client certificate with the chain that
    /// follows it in cert-file, and the CAs of ca-file and every PEM file of ca-path. They are re-read
    /// when they change; a changed set that cannot be used is logged and the previous one kept.
    /// </summary>
    /// <exception cref="CertificateFileException">A file that cannot be read or used.</exception>
    public static ClientTls Create(SmtpTlsSettings settings, TimeProvider clock, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var files = new CertificateFiles<ClientMaterial>(
            "mta.smtp.tls", settings.CertFile, settings.KeyFile, settings.CaFile, settings.CaPath, ClientMaterial.From, clock, logger);
        return new ClientTls(settings.PolicyResolver, () => files.Current, settings.AppendDefaultCa, settings.FingerprintDigest, settings.Protocols, clock)
        {
            NoteStartTlsOffer = settings.NoteStartTlsOffer,
            LogLevel = settings.LogLevel,
            Ciphers = settings.Ciphers,
        };
    }

    /// <summary>Cipher suites offered; null for the platform's defaults.</summary>
    public IReadOnlyList<TlsCipherSuite>? Ciphers { get; init; }

    /// <summary>
    /// The handshake options for one host: server name indication with the host name (not for an
    /// address), the configured protocols narrowed by the policy's protocols=, every server
    /// certificate accepted for judging afterwards, and the client certificate offered whenever the
    /// server asks, whatever CA names it hints.
    /// </summary>
    /// <returns>The options, or null when the policy's protocols= leaves no protocol to offer or its ciphers= names no usable suite.</returns>
    public SslClientAuthenticationOptions? HandshakeOptions(TlsPolicy policy, string hostName) => HandshakeOptions(policy, hostName, _material());

    /// <summary><see cref="HandshakeOptions(TlsPolicy, string)"/> with the client certificate of <paramref name="material"/>.</summary>
    internal SslClientAuthenticationOptions? HandshakeOptions(TlsPolicy policy, string hostName, ClientMaterial material)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(hostName);
        SslProtocols protocols = TlsProtocols.Narrow(_protocols, policy.Protocols);
        if (protocols == SslProtocols.None)
        {
            return null;
        }

        // A policy's ciphers= replaces the configured list for that destination.
        IReadOnlyList<TlsCipherSuite>? ciphers = Ciphers;
        if (policy.Ciphers is { } policyCiphers && !CipherGrade.TryParse(policyCiphers, out ciphers, out _))
        {
            return null;
        }

        return new SslClientAuthenticationOptions
        {
            CipherSuitesPolicy = ciphers is null || OperatingSystem.IsWindows() ? null : new CipherSuitesPolicy(ciphers),
            TargetHost = IPAddress.TryParse(hostName, out _) ? string.Empty : hostName,
            EnabledSslProtocols = protocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = static (_, _, _, _) => true,
            // Sent with its chain whenever the server asks, whatever CA names it hints.
            ClientCertificateContext = material.Context,
        };
    }

    /// <summary>
    /// What the server certificate of a finished handshake is worth under <paramref name="policy"/>:
    /// the chain against the trusted CAs, the names for verify and secure, the fingerprints for the
    /// fingerprint level.
    /// </summary>
    public PeerExamination Examine(TlsPolicy policy, TlsSession session) => Examine(policy, session, _material());

    /// <summary><see cref="Examine(TlsPolicy, TlsSession)"/> against the CAs of <paramref name="material"/>.</summary>
    internal PeerExamination Examine(TlsPolicy policy, TlsSession session, ClientMaterial material)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(session);
        if (session.PeerCertificate is not { } certificate)
        {
            return new PeerExamination(new PeerFacts(false, false, false, false), "", "", "", "", "the server sent no certificate");
        }

        string? chainProblem = VerifyChain(certificate, session.PeerChain, material.Authorities);
        bool nameMatches = policy.Level is TlsLevel.Verify or TlsLevel.Secure && MatchesAny(certificate, policy.Match);
        string certificateFingerprint = Fingerprint.OfCertificate(certificate, Digest);
        string publicKeyFingerprint = Fingerprint.OfPublicKey(certificate, Digest);
        bool fingerprintMatches = policy.Level == TlsLevel.Fingerprint
            && policy.Match.Any(accepted => accepted == certificateFingerprint || accepted == publicKeyFingerprint);
        var facts = new PeerFacts(
            ChainTrusted: chainProblem is null,
            NameMatches: policy.Level == TlsLevel.Verify && nameMatches,
            SecureNameMatches: policy.Level == TlsLevel.Secure && nameMatches,
            FingerprintMatches: fingerprintMatches);
        return new PeerExamination(
            facts,
            Printable(certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false)),
            Printable(certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: true)),
            certificateFingerprint,
            publicKeyFingerprint,
            chainProblem);
    }

    private static Func<ClientMaterial> Fixed(X509Certificate2? clientCertificate, X509Certificate2Collection authorities)
    {
        ArgumentNullException.ThrowIfNull(authorities);
        ClientMaterial material = ClientMaterial.From(new CertificateSet(clientCertificate, [], authorities));
        return () => material;
    }

    /// <summary>
    /// True when the certificate matches one of <paramref name="names"/>: a host name by
    /// <see cref="PeerName.Matches"/>; <c>.domain</c> by a name below the domain. The secure level's
    /// default pair (the nexthop domain and its dot form) is <see cref="PeerName.MatchesDomainOrSubdomain"/>.
    /// </summary>
    internal static bool MatchesAny(X509Certificate2 certificate, IReadOnlyList<string> names)
    {
        foreach (string name in names)
        {
            bool matched;
            if (!name.StartsWith('.'))
            {
                matched = PeerName.Matches(certificate, name);
            }
            else
            {
                string domain = name[1..];
                matched = names.Contains(domain, StringComparer.Ordinal)
                    ? PeerName.MatchesDomainOrSubdomain(certificate, domain)
                    : HasNameBelow(certificate, domain);
            }

            if (matched)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Control characters, quotes and parentheses removed: certificate names are untrusted text in logs.</summary>
    internal static string Printable(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (!char.IsControl(c) && c is not ('"' or '(' or ')' or '\\'))
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>A presented name (subjectAltName DNS, or the CN without one) strictly below <paramref name="domain"/>.</summary>
    private static bool HasNameBelow(X509Certificate2 certificate, string domain)
    {
        string? suffix = Comparable(domain);
        if (suffix is null)
        {
            return false;
        }

        suffix = "." + suffix;
        return PeerName.DnsNames(certificate).Any(presented => Comparable(presented)?.EndsWith(suffix, StringComparison.Ordinal) == true);
    }

    private static string? Comparable(string name)
    {
        string text = (name.EndsWith('.') ? name[..^1] : name).ToLowerInvariant();
        if (text.All(char.IsAscii))
        {
            return text;
        }

        try
        {
            return Idn.GetAscii(text);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Null when the chain verifies against the trusted CAs (and the system's with append-default-ca); otherwise why not.</summary>
    private string? VerifyChain(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> sent, X509Certificate2Collection authorities)
    {
        if (authorities.Count == 0 && !_appendDefaultCa)
        {
            return "no CA to verify with (ca-file, ca-path)";
        }

        string? problem = "not signed by a trusted CA";
        if (authorities.Count > 0)
        {
            problem = BuildChain(certificate, sent, authorities, X509ChainTrustMode.CustomRootTrust);
        }

        if (problem is not null && _appendDefaultCa)
        {
            problem = BuildChain(certificate, sent, authorities, X509ChainTrustMode.System);
        }

        return problem;
    }

    private string? BuildChain(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> sent, X509Certificate2Collection authorities, X509ChainTrustMode trustMode)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = trustMode;
        if (trustMode == X509ChainTrustMode.CustomRootTrust)
        {
            chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        }

        chain.ChainPolicy.ExtraStore.AddRange(authorities);
        for (int i = 1; i < sent.Count; i++)
        {
            chain.ChainPolicy.ExtraStore.Add(sent[i]);
        }

        // Offline by design, as Postfix: the machine may have no network, and no CRL is fetched.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = _clock.GetUtcNow().UtcDateTime;
        if (chain.Build(certificate))
        {
            return null;
        }

        string[] reasons = [.. chain.ChainStatus.Select(status => status.StatusInformation.Trim()).Where(text => text.Length > 0).Distinct()];
        return reasons.Length == 0 ? "certificate not trusted" : "certificate not trusted: " + string.Join("; ", reasons);
    }
}

/// <summary>The client side's certificate files as one loaded set.</summary>
/// <param name="Context">The client certificate with the chain sent after it; null without a certificate.</param>
/// <param name="Fingerprint">The client certificate's sha256 fingerprint; null without one.</param>
/// <param name="Authorities">The CAs server certificates are verified against.</param>
internal sealed record ClientMaterial(SslStreamCertificateContext? Context, string? Fingerprint, X509Certificate2Collection Authorities)
{
    public static ClientMaterial From(CertificateSet files) => files.Certificate is { } certificate
        ? new ClientMaterial(
            SslStreamCertificateContext.Create(certificate, files.Chain, offline: true),
            Mta.Tls.Fingerprint.OfCertificate(certificate, FingerprintDigest.Sha256),
            files.Authorities)
        : new ClientMaterial(null, null, files.Authorities);
}

/// <summary>What the server certificate of one handshake is worth under one policy.</summary>
/// <param name="Facts">What <see cref="TlsDecision.AfterHandshake"/> judges.</param>
/// <param name="Subject">The certificate's subject CN (or other simple name), made printable.</param>
/// <param name="Issuer">The issuer's CN, made printable.</param>
/// <param name="CertificateFingerprint">Fingerprint of the certificate in the configured digest.</param>
/// <param name="PublicKeyFingerprint">Fingerprint of its public key in the configured digest.</param>
/// <param name="ChainProblem">Why the chain does not verify; null when it does.</param>
public sealed record PeerExamination(PeerFacts Facts, string Subject, string Issuer, string CertificateFingerprint, string PublicKeyFingerprint, string? ChainProblem)
{
    /// <summary>
    /// Postfix's word for the connection: <c>verified</c> when the policy's own check passed (the
    /// fingerprint, or chain and name), <c>trusted</c> when the chain verifies, otherwise <c>untrusted</c>.
    /// </summary>
    public string Trust(TlsLevel level) => level switch
    {
        TlsLevel.Fingerprint when Facts.FingerprintMatches => "verified",
        TlsLevel.Verify when Facts.ChainTrusted && Facts.NameMatches => "verified",
        TlsLevel.Secure when Facts.ChainTrusted && Facts.SecureNameMatches => "verified",
        _ when Facts.ChainTrusted => "trusted",
        _ => "untrusted",
    };
}
