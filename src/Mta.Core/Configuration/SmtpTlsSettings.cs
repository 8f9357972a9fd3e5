using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using Mta.Tls;
using Mta.Tls.Policy;

namespace Mta.Core.Configuration;

/// <summary>
/// Settings of TLS in onward delivery (<c>mta.smtp.tls</c>): the global security level, the
/// per-site or policy-maps table, the client certificate, the CAs server certificates are checked
/// against, and logging.
/// </summary>
/// <param name="Level">The level without a table entry, derived as Postfix derives it when security-level is empty.</param>
/// <param name="CertFile">The client certificate (PEM) offered when a server asks for one; null for none.</param>
/// <param name="KeyFile">The client certificate's private key (PEM); null exactly when <paramref name="CertFile"/> is.</param>
/// <param name="CaFile">CA certificates server certificates are verified against (PEM bundle); null for none.</param>
/// <param name="CaPath">A folder of PEM CA certificates, every file read; null for none.</param>
/// <param name="AppendDefaultCa">Whether the system's root CAs are trusted too (Postfix tls_append_default_CA).</param>
/// <param name="FingerprintDigest">The digest of the fingerprint level's fingerprints.</param>
/// <param name="FingerprintCertMatch">Fingerprints the fingerprint level accepts when a policy gives no match=.</param>
/// <param name="LogLevel">0 to 4, as Postfix's smtp_tls_loglevel.</param>
/// <param name="NoteStartTlsOffer">Log servers that offer STARTTLS when the policy did not use it.</param>
/// <param name="PerSite">The legacy per-site table; null when not set.</param>
/// <param name="PolicyMaps">The policy-maps table; null when not set.</param>
/// <param name="Protocols">The TLS versions offered to servers.</param>
public sealed record SmtpTlsSettings(
    TlsLevel Level,
    string? CertFile,
    string? KeyFile,
    string? CaFile,
    string? CaPath,
    bool AppendDefaultCa,
    FingerprintDigest FingerprintDigest,
    IReadOnlyList<string> FingerprintCertMatch,
    int LogLevel,
    bool NoteStartTlsOffer,
    TableSource? PerSite,
    TableSource? PolicyMaps,
    SslProtocols Protocols)
{
    private const string Prefix = "mta.smtp.tls.";

    /// <summary>The resolver of the policy for each nexthop and host, reading the tables as they are now.</summary>
    public required TlsPolicyResolver PolicyResolver { get; init; }

    /// <summary>Cipher suites offered (<c>mta.smtp.tls.ciphers</c>); null for the platform's defaults ("medium").</summary>
    public IReadOnlyList<System.Net.Security.TlsCipherSuite>? Ciphers { get; init; }

    /// <summary>Settings that are legal but will not do what one might expect; logged at start.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    internal static SmtpTlsSettings Read(SettingReader reader, string baseDir, TimeProvider? timeProvider, ILogger? logger)
    {
        TlsLevel level;
        try
        {
            level = TlsPolicyResolver.GlobalLevel(
                reader.String(Prefix + "security-level", TlsLevels.Expected + ", or empty to derive it from use-tls, enforce-tls and enforce-peername"),
                reader.Boolean(Prefix + "use-tls"),
                reader.Boolean(Prefix + "enforce-tls"),
                reader.Boolean(Prefix + "enforce-peername"));
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException(Prefix + "security-level", $"Invalid value for '{Prefix}security-level': {e.Message.Split(" (Parameter", 2)[0]}; expected {TlsLevels.Expected}, or empty.");
        }

        string? certFile = File(reader, Prefix + "cert-file", baseDir);
        string? keyFile = File(reader, Prefix + "key-file", baseDir);
        if ((certFile is null) != (keyFile is null))
        {
            string missing = certFile is null ? "cert-file" : "key-file";
            string given = certFile is null ? "key-file" : "cert-file";
            throw new ConfigurationException(Prefix + missing, $"'{Prefix}{missing}' is required when '{Prefix}{given}' is set: a client certificate needs both.");
        }

        string? caFile = File(reader, Prefix + "ca-file", baseDir);
        string? caPath = Folder(reader, Prefix + "ca-path", baseDir);
        string digestText = reader.String(Prefix + "fingerprint-digest", "sha256, sha1, md5 or sha512");
        if (!FingerprintDigests.TryParse(digestText, out FingerprintDigest digest))
        {
            throw new ConfigurationException(Prefix + "fingerprint-digest", $"Invalid value '{digestText}' for '{Prefix}fingerprint-digest'; expected sha256, sha1, md5 or sha512.");
        }

        IReadOnlyList<string> fingerprints = reader.StringList(Prefix + "fingerprint-cert-match", "fingerprints as openssl prints them (AB:CD:...)");
        TableSource? perSite = SetTable(TableSource.FromConfig(reader.Config, Prefix + "per-site", baseDir, timeProvider, logger));
        TableSource? policyMaps = SetTable(TableSource.FromConfig(reader.Config, Prefix + "policy-maps", baseDir, timeProvider, logger));
        TlsPolicyResolver resolver;
        try
        {
            resolver = new TlsPolicyResolver(level, perSite is null ? null : () => perSite.Current, policyMaps is null ? null : () => policyMaps.Current, fingerprints);
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException(Prefix + "fingerprint-cert-match",
                $"Invalid '{Prefix}fingerprint-cert-match': {e.Message.Split(" (Parameter", 2)[0]}; the fingerprint level needs at least one fingerprint in {digest.ToConfigWord()}.");
        }

        bool appendDefaultCa = reader.Boolean(Prefix + "append-default-ca");
        var warnings = new List<string>();
        if (resolver.StartupWarning is { } tables)
        {
            warnings.Add(tables);
        }

        if (caFile is null && caPath is null && !appendDefaultCa && (level >= TlsLevel.Verify || perSite is not null || policyMaps is not null))
        {
            warnings.Add($"No CA to verify server certificates with ({Prefix}ca-file, ca-path and append-default-ca are unset): mail for verify and secure destinations will be deferred.");
        }

        var cipherText = reader.String(Prefix + "ciphers", CipherGrade.Expected);
        if (!CipherGrade.TryParse(cipherText, out var ciphers, out var cipherProblem))
            throw new ConfigurationException(Prefix + "ciphers", $"Invalid value '{cipherText}' for '{Prefix}ciphers': {cipherProblem}; expected {CipherGrade.Expected}.");

        return new SmtpTlsSettings(level, certFile, keyFile, caFile, caPath, appendDefaultCa, digest, fingerprints,
            reader.Int(Prefix + "loglevel", 0, 4), reader.Boolean(Prefix + "note-starttls-offer"), perSite, policyMaps,
            ReadProtocols(reader, Prefix + "protocols"))
        {
            PolicyResolver = resolver,
            Warnings = warnings,
            Ciphers = ciphers,
        };
    }

    private static SslProtocols ReadProtocols(SettingReader reader, string key)
    {
        var protocols = SslProtocols.None;
        foreach (string name in reader.StringList(key, "TLSv1.2 or TLSv1.3"))
        {
            protocols |= name.Trim().ToUpperInvariant() switch
            {
                "TLSV1.2" => SslProtocols.Tls12,
                "TLSV1.3" => SslProtocols.Tls13,
                _ => throw new ConfigurationException(key, $"Invalid protocol '{name}' in '{key}'; expected TLSv1.2 and/or TLSv1.3."),
            };
        }

        return protocols != SslProtocols.None
            ? protocols
            : throw new ConfigurationException(key, $"'{key}' is empty; list TLSv1.2 and/or TLSv1.3.");
    }

    private static string? File(SettingReader reader, string key, string baseDir)
    {
        string value = reader.String(key, "a file path").Trim();
        if (value.Length == 0)
        {
            return null;
        }

        string path = Path.GetFullPath(value, baseDir);
        return System.IO.File.Exists(path)
            ? path
            : throw new ConfigurationException(key, $"'{key}' names '{path}', which does not exist or is not a file.");
    }

    private static string? Folder(SettingReader reader, string key, string baseDir)
    {
        string value = reader.String(key, "a folder path").Trim();
        if (value.Length == 0)
        {
            return null;
        }

        string path = Path.GetFullPath(value, baseDir);
        return Directory.Exists(path)
            ? path
            : throw new ConfigurationException(key, $"'{key}' names '{path}', which does not exist or is not a folder.");
    }

    // As Postfix's empty smtp_tls_per_site: an empty inline table is the same as none.
    private static TableSource? SetTable(TableSource table) => table.FilePath is null && table.Current.Count == 0 ? null : table;
}
