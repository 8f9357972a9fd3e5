using System.Net.Security;

namespace Mta.Tls;

/// <summary>
/// Cipher choices as Postfix's smtpd_tls_ciphers / smtp_tls_ciphers words them: "medium" (the
/// platform's default list of secure suites, Postfix's default) or "high" (only AEAD suites with
/// 256-bit keys), or an explicit list of IANA cipher suite names separated by ":" or ",".
/// </summary>
public static class CipherGrade
{
    /// <summary>The suites "high" allows: AES-256-GCM and ChaCha20-Poly1305, TLS 1.3 and TLS 1.2 with ECDHE.</summary>
    public static IReadOnlyList<TlsCipherSuite> High { get; } =
    [
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ];

    /// <summary>What the words accept, in the form of a config value.</summary>
    public const string Expected = "medium, high, or IANA cipher suite names separated by ':' (TLS_AES_256_GCM_SHA384:...)";

    /// <summary>
    /// Parses a cipher setting. <paramref name="suites"/> is null for the platform defaults
    /// ("medium" or empty), otherwise the suites to allow.
    /// </summary>
    public static bool TryParse(string? text, out IReadOnlyList<TlsCipherSuite>? suites, out string? problem)
    {
        suites = null;
        problem = null;
        var value = (text ?? string.Empty).Trim();
        if (value.Length == 0 || value.Equals("medium", StringComparison.OrdinalIgnoreCase)) return true;
        if (value.Equals("high", StringComparison.OrdinalIgnoreCase))
        {
            suites = High;
            return true;
        }
        if (value.Equals("low", StringComparison.OrdinalIgnoreCase) || value.Equals("export", StringComparison.OrdinalIgnoreCase) || value.Equals("null", StringComparison.OrdinalIgnoreCase))
        {
            problem = $"'{value}' would allow weak or no encryption; only medium and high are offered";
            return false;
        }
        var list = new List<TlsCipherSuite>();
        foreach (var name in value.Split([':', ',', ' '], StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Enum.TryParse<TlsCipherSuite>(name, ignoreCase: false, out var suite) || !name.StartsWith("TLS_", StringComparison.Ordinal))
            {
                problem = $"'{name}' is not an IANA cipher suite name such as TLS_AES_256_GCM_SHA384";
                return false;
            }
            list.Add(suite);
        }
        suites = list;
        return true;
    }
}
