using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Mta.Tls.Policy;

/// <summary>
/// The <c>match=</c> values of a policy: fingerprints for the fingerprint level, names and
/// name strategies for verify and secure, and how strategies become names for one host.
/// </summary>
internal static class MatchList
{
    /// <summary>Postfix's strategy word for the name of the MX host connected to.</summary>
    public const string Hostname = "hostname";

    /// <summary>Postfix's strategy word for the nexthop domain itself.</summary>
    public const string Nexthop = "nexthop";

    /// <summary>Postfix's strategy word for any subdomain of the nexthop domain.</summary>
    public const string DotNexthop = "dot-nexthop";

    /// <summary>The verify level's names when the policy gives none (Postfix's smtp_tls_verify_cert_match).</summary>
    public static readonly IReadOnlyList<string> VerifyDefault = [Hostname];

    /// <summary>The secure level's names when the policy gives none (Postfix's smtp_tls_secure_cert_match).</summary>
    public static readonly IReadOnlyList<string> SecureDefault = [Nexthop, DotNexthop];

    // Byte lengths of the digests a fingerprint may be taken with: md5, sha1, sha256, sha512.
    private static readonly int[] DigestLengths = [16, 20, 32, 64];

    /// <summary>
    /// A fingerprint in the form openssl prints it: uppercase hex pairs joined by colons. Accepts
    /// either case, with colons between every pair or without any colon.
    /// </summary>
    public static bool TryNormalizeFingerprint(string written, [NotNullWhen(true)] out string? fingerprint, [NotNullWhen(false)] out string? problem)
    {
        fingerprint = null;
        string hex;
        if (written.Contains(':', StringComparison.Ordinal))
        {
            string[] pairs = written.Split(':');
            if (pairs.Any(pair => pair.Length != 2))
            {
                problem = $"fingerprint \"{written}\" is not hex pairs joined by colons";
                return false;
            }

            hex = string.Concat(pairs);
        }
        else
        {
            hex = written;
        }

        if (hex.Length % 2 != 0 || !hex.All(char.IsAsciiHexDigit))
        {
            problem = $"fingerprint \"{written}\" is not hexadecimal";
            return false;
        }

        if (!DigestLengths.Contains(hex.Length / 2))
        {
            problem = $"fingerprint \"{written}\" has {hex.Length / 2} bytes; an md5, sha1, sha256 or sha512 digest has 16, 20, 32 or 64";
            return false;
        }

        var text = new StringBuilder(hex.Length * 3 / 2);
        for (int i = 0; i < hex.Length; i += 2)
        {
            if (i > 0)
            {
                text.Append(':');
            }

            text.Append(char.ToUpperInvariant(hex[i])).Append(char.ToUpperInvariant(hex[i + 1]));
        }

        fingerprint = text.ToString();
        problem = null;
        return true;
    }

    /// <summary>
    /// A name or strategy for verify and secure: a strategy word, a host name, or a host name with a
    /// leading dot for its subdomains. Wildcards are not part of the syntax.
    /// </summary>
    public static bool TryNormalizeName(string written, [NotNullWhen(true)] out string? name, [NotNullWhen(false)] out string? problem)
    {
        string folded = written.ToLowerInvariant();
        string domain = folded.StartsWith('.') ? folded[1..] : folded;
        if (domain.Length > 1 && domain[^1] == '.')
        {
            domain = domain[..^1];
        }

        bool valid = domain.Length > 0
            && domain.Split('.').All(label => label.Length > 0 && label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' || c > '\u007f'));
        if (!valid)
        {
            name = null;
            problem = $"invalid name \"{written}\" in match (a host name, .domain for its subdomains, or hostname, nexthop, dot-nexthop)";
            return false;
        }

        name = folded.StartsWith('.') ? "." + domain : domain;
        problem = null;
        return true;
    }

    /// <summary>
    /// The names for one host: strategy words replaced by the MX host name or the nexthop domain,
    /// duplicates dropped, order kept.
    /// </summary>
    public static IReadOnlyList<string> Expand(IReadOnlyList<string> patterns, string hostName, string nexthopDomain)
    {
        var names = new List<string>(patterns.Count);
        foreach (string pattern in patterns)
        {
            string name = pattern switch
            {
                Hostname => hostName,
                Nexthop => nexthopDomain,
                DotNexthop => "." + nexthopDomain,
                _ => pattern,
            };
            if (!names.Contains(name, StringComparer.Ordinal))
            {
                names.Add(name);
            }
        }

        return names;
    }
}
