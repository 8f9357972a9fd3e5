using System.Diagnostics.CodeAnalysis;

namespace Mta.Tls.Policy;

/// <summary>The values of the legacy per-site table (Postfix's smtp_tls_per_site) and how they combine.</summary>
internal static class PerSiteValue
{
    /// <summary>
    /// NONE, MAY, MUST_NOPEERMATCH or MUST in any case: none, may, encrypt and verify.
    /// </summary>
    public static bool TryParse(string value, out TlsLevel level, [NotNullWhen(false)] out string? problem)
    {
        problem = null;
        switch (value.Trim().ToUpperInvariant())
        {
            case "NONE":
                level = TlsLevel.None;
                return true;
            case "MAY":
                level = TlsLevel.May;
                return true;
            case "MUST_NOPEERMATCH":
                level = TlsLevel.Encrypt;
                return true;
            case "MUST":
                level = TlsLevel.Verify;
                return true;
            default:
                level = default;
                problem = $"unknown per-site value \"{value.Trim()}\": expected NONE, MAY, MUST or MUST_NOPEERMATCH";
                return false;
        }
    }

    /// <summary>
    /// Which of two per-site hits wins: a specific result overrides MAY (so NONE beats MAY), and
    /// otherwise the stronger level wins. The order is Postfix's: MAY, NONE, MUST_NOPEERMATCH, MUST.
    /// </summary>
    public static int Precedence(TlsLevel level) => level switch
    {
        TlsLevel.May => 0,
        TlsLevel.None => 1,
        TlsLevel.Encrypt => 2,
        TlsLevel.Verify => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Not a per-site level."),
    };
}
