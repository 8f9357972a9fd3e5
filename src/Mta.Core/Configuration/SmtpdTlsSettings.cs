using System.Net;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Mta.Tls;

namespace Mta.Core.Configuration;

/// <summary>Whether the SMTP server offers or requires TLS (Postfix smtpd_tls_security_level).</summary>
public enum SmtpdTlsLevel
{
    /// <summary>No STARTTLS.</summary>
    None,
    /// <summary>STARTTLS offered.</summary>
    May,
    /// <summary>STARTTLS required before mail is accepted.</summary>
    Encrypt,
}

/// <summary>Settings of TLS on the SMTP server (<c>mta.smtpd.tls</c>, <c>tls-listen</c>, <c>relay-clientcerts</c>).</summary>
public sealed record SmtpdTlsSettings(
    SmtpdTlsLevel Level,
    string? CertFile,
    string? KeyFile,
    string? CaFile,
    string? CaPath,
    bool AskCcert,
    bool RequireCcert,
    bool ReceivedHeader,
    int LogLevel,
    FingerprintDigest FingerprintDigest,
    SslProtocols Protocols,
    IReadOnlyList<IPEndPoint> TlsListen,
    TableSource RelayClientCerts)
{
    /// <summary>Whether the server has a certificate to speak TLS with.</summary>
    public bool Enabled => CertFile is not null;

    /// <summary>Cipher suites allowed (<c>mta.smtpd.tls.ciphers</c>); null for the platform's defaults ("medium").</summary>
    public IReadOnlyList<System.Net.Security.TlsCipherSuite>? Ciphers { get; init; }

    /// <summary>Settings that are legal but will not do what one might expect; logged at start.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    internal static SmtpdTlsSettings Read(SettingReader reader, IReadOnlyList<Restriction> restrictions, string baseDir, TimeProvider? timeProvider, ILogger? logger)
    {
        const string prefix = "mta.smtpd.tls.";
        var levelText = reader.String(prefix + "security-level", "none, may or encrypt").Trim().ToLowerInvariant();
        var level = levelText switch
        {
            "" => reader.Boolean(prefix + "enforce-tls") ? SmtpdTlsLevel.Encrypt : reader.Boolean(prefix + "use-tls") ? SmtpdTlsLevel.May : SmtpdTlsLevel.None,
            "none" => SmtpdTlsLevel.None,
            "may" => SmtpdTlsLevel.May,
            "encrypt" => SmtpdTlsLevel.Encrypt,
            _ => throw new ConfigurationException(prefix + "security-level",
                $"Invalid value '{levelText}' for '{prefix}security-level'; expected none, may, encrypt, or empty to derive it from use-tls and enforce-tls."),
        };
        var certFile = File(reader, prefix + "cert-file", baseDir);
        var keyFile = File(reader, prefix + "key-file", baseDir);
        var caFile = File(reader, prefix + "ca-file", baseDir);
        var caPath = Folder(reader, prefix + "ca-path", baseDir);
        var tlsListen = reader.StringList("mta.smtpd.tls-listen", "listen addresses").Select(entry => ListenAddress.Parse(entry, "mta.smtpd.tls-listen")).ToList();
        if ((level != SmtpdTlsLevel.None || tlsListen.Count > 0) && (certFile is null || keyFile is null))
        {
            var missing = certFile is null ? "cert-file" : "key-file";
            throw new ConfigurationException(prefix + missing,
                $"'{prefix}{missing}' is required: TLS is {(tlsListen.Count > 0 ? "configured by mta.smtpd.tls-listen" : $"at security level {level.ToString().ToLowerInvariant()}")}. Make a certificate with 'mta pki issue', or set security-level = none.");
        }
        var digestText = reader.String(prefix + "fingerprint-digest", "sha256, sha1, md5 or sha512");
        if (!FingerprintDigests.TryParse(digestText, out var digest))
            throw new ConfigurationException(prefix + "fingerprint-digest", $"Invalid value '{digestText}' for '{prefix}fingerprint-digest'; expected sha256, sha1, md5 or sha512.");
        var protocols = SslProtocols.None;
        foreach (var name in reader.StringList(prefix + "protocols", "TLSv1.2 or TLSv1.3"))
        {
            protocols |= name.Trim().ToUpperInvariant() switch
            {
                "TLSV1.2" => SslProtocols.Tls12,
                "TLSV1.3" => SslProtocols.Tls13,
                _ => throw new ConfigurationException(prefix + "protocols", $"Invalid protocol '{name}' in '{prefix}protocols'; expected TLSv1.2 and/or TLSv1.3."),
            };
        }
        if (protocols == SslProtocols.None)
            throw new ConfigurationException(prefix + "protocols", $"'{prefix}protocols' is empty; list TLSv1.2 and/or TLSv1.3.");
        var cipherText = reader.String(prefix + "ciphers", CipherGrade.Expected);
        if (!CipherGrade.TryParse(cipherText, out var ciphers, out var cipherProblem))
            throw new ConfigurationException(prefix + "ciphers", $"Invalid value '{cipherText}' for '{prefix}ciphers': {cipherProblem}; expected {CipherGrade.Expected}.");
        var askCcert = reader.Boolean(prefix + "ask-ccert");
        var requireCcert = reader.Boolean(prefix + "req-ccert");
        var warnings = new List<string>();
        if (requireCcert && level != SmtpdTlsLevel.Encrypt)
            warnings.Add($"{prefix}req-ccert is ignored: it applies only with security-level encrypt (as Postfix's smtpd_tls_req_ccert).");
        if (restrictions.Contains(Restriction.PermitTlsClientcerts) && !askCcert && !requireCcert)
            warnings.Add($"permit_tls_clientcerts in mta.smtpd.recipient-restrictions never matches: {prefix}ask-ccert is off, so clients are not asked for a certificate.");
        if ((restrictions.Contains(Restriction.PermitTlsClientcerts) || restrictions.Contains(Restriction.PermitTlsAllClientcerts)) && level == SmtpdTlsLevel.None && tlsListen.Count == 0)
            warnings.Add("TLS client certificate restrictions never match: the server offers no TLS (mta.smtpd.tls.security-level).");
        return new SmtpdTlsSettings(level, certFile, keyFile, caFile, caPath, askCcert || requireCcert, requireCcert && level == SmtpdTlsLevel.Encrypt,
            reader.Boolean(prefix + "received-header"), reader.Int(prefix + "loglevel", 0, 4), digest, protocols, tlsListen,
            TableSource.FromConfig(reader.Config, "mta.smtpd.relay-clientcerts", baseDir, timeProvider, logger))
        {
            Ciphers = ciphers,
            Warnings = warnings,
        };
    }

    private static string? File(SettingReader reader, string key, string baseDir)
    {
        var value = reader.String(key, "a file path").Trim();
        if (value.Length == 0) return null;
        var path = Path.GetFullPath(value, baseDir);
        if (!System.IO.File.Exists(path))
            throw new ConfigurationException(key, $"'{key}' names '{path}', which does not exist or is not a file.");
        return path;
    }

    private static string? Folder(SettingReader reader, string key, string baseDir)
    {
        var value = reader.String(key, "a folder path").Trim();
        if (value.Length == 0) return null;
        var path = Path.GetFullPath(value, baseDir);
        if (!Directory.Exists(path))
            throw new ConfigurationException(key, $"'{key}' names '{path}', which does not exist or is not a folder.");
        return path;
    }
}
