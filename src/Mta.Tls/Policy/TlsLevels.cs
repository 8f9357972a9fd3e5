using System.Diagnostics.CodeAnalysis;

namespace Mta.Tls.Policy;

/// <summary>The words that name <see cref="TlsLevel"/> values in settings and tables.</summary>
public static class TlsLevels
{
    /// <summary>What a valid level word looks like, for error messages.</summary>
    public const string Expected = "none, may, encrypt, fingerprint, verify or secure";

    /// <summary>
    /// Parses a level word, ignoring case: none, may, encrypt, fingerprint, verify, secure.
    /// Postfix's <c>dane</c> and <c>dane-only</c> are refused with their own explanation.
    /// </summary>
    /// <param name="word">The word as written.</param>
    /// <param name="level">The level when the word is valid.</param>
    /// <param name="problem">Why the word is not a level, when it is not.</param>
    /// <returns>True when <paramref name="word"/> names a level.</returns>
    public static bool TryParse(string? word, out TlsLevel level, [NotNullWhen(false)] out string? problem)
    {
        string trimmed = word?.Trim() ?? string.Empty;
        problem = null;
        switch (trimmed.ToLowerInvariant())
        {
            case "none":
                level = TlsLevel.None;
                return true;
            case "may":
                level = TlsLevel.May;
                return true;
            case "encrypt":
                level = TlsLevel.Encrypt;
                return true;
            case "fingerprint":
                level = TlsLevel.Fingerprint;
                return true;
            case "verify":
                level = TlsLevel.Verify;
                return true;
            case "secure":
                level = TlsLevel.Secure;
                return true;
            case "dane":
            case "dane-only":
                level = default;
                problem = $"security level \"{trimmed}\" is not supported: DANE needs DNSSEC-validated TLSA records, "
                    + "which this MTA does not look up; use fingerprint, verify or secure";
                return false;
            default:
                level = default;
                problem = $"invalid security level \"{trimmed}\": expected {Expected}";
                return false;
        }
    }

    /// <summary>The word for a level, as Postfix writes it: <c>none</c>, <c>may</c>, ...</summary>
    public static string ToWord(this TlsLevel level) => level switch
    {
        TlsLevel.None => "none",
        TlsLevel.May => "may",
        TlsLevel.Encrypt => "encrypt",
        TlsLevel.Fingerprint => "fingerprint",
        TlsLevel.Verify => "verify",
        TlsLevel.Secure => "secure",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Unknown TLS level."),
    };

    /// <summary>True for the levels that refuse to deliver without TLS: encrypt and stronger.</summary>
    public static bool RequiresTls(this TlsLevel level) => level >= TlsLevel.Encrypt;
}
