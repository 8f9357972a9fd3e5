using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mta.Tls;

/// <summary>
/// Server certificate name checks for the <c>verify</c> and <c>secure</c> levels, as Postfix does them
/// (RFC 6125): the DNS names in subjectAltName, or the subject CN only when there is no DNS name there;
/// a wildcard covers exactly one whole leftmost label; case and a trailing dot do not matter;
/// internationalised names compare as A-labels.
/// </summary>
public static class PeerName
{
    private const string SubjectAlternativeNameOid = "2.5.29.17";
    private const string CommonNameOid = "2.5.4.3";

    /// <summary>
    /// The names the certificate presents, as written in it: the DNS names of subjectAltName, or else the
    /// subject CN. A subject with more than one CN presents none (Postfix refuses to pick one), and a
    /// malformed subjectAltName presents nothing at all rather than falling back to the CN.
    /// </summary>
    public static IReadOnlyList<string> DnsNames(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var alternativeNames = SubjectAlternativeDnsNames(certificate);
        if (alternativeNames is null) return [];
        if (alternativeNames.Count > 0) return alternativeNames;
        return CommonNames(certificate.SubjectName) is [var commonName] ? [commonName] : [];
    }

    /// <summary>
    /// True when the certificate is issued to the host <paramref name="name"/> (an MX host, the nexthop,
    /// or a <c>match=</c> name): one of its <see cref="DnsNames"/> equals it, or is a wildcard
    /// <c>*.parent</c> with <paramref name="name"/> one label below <c>parent</c>. A name that is not a
    /// host name (empty, with a <c>*</c>, with empty labels) matches nothing.
    /// </summary>
    public static bool Matches(X509Certificate2 certificate, string name)
    {
        var reference = DnsNameSyntax.ToComparable(name, allowWildcard: false);
        if (reference is null) return false;
        foreach (var presented in PresentedNames(certificate))
        {
            if (DnsNameSyntax.Covers(presented, reference)) return true;
        }
        return false;
    }

    /// <summary>
    /// The <c>secure</c> level's default check (Postfix's <c>match=nexthop:dot-nexthop</c>): true when the
    /// certificate matches <paramref name="domain"/> itself (as <see cref="Matches"/>) or presents a name
    /// inside it, one that ends with <c>.</c> followed by the domain (including a wildcard such as
    /// <c>*.mail.example.com</c> for <c>example.com</c>).
    /// </summary>
    public static bool MatchesDomainOrSubdomain(X509Certificate2 certificate, string domain)
    {
        var reference = DnsNameSyntax.ToComparable(domain, allowWildcard: false);
        if (reference is null) return false;
        var dotDomain = "." + reference;
        foreach (var presented in PresentedNames(certificate))
        {
            if (DnsNameSyntax.Covers(presented, reference) || presented.EndsWith(dotDomain, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>The comparable forms of the presented names; names that are not host names are left out.</summary>
    private static IEnumerable<string> PresentedNames(X509Certificate2 certificate)
    {
        foreach (var name in DnsNames(certificate))
        {
            var comparable = DnsNameSyntax.ToComparable(name, allowWildcard: true);
            if (comparable is not null) yield return comparable;
        }
    }

    /// <summary>The DNS names of every subjectAltName extension; null when one cannot be decoded.</summary>
    private static List<string>? SubjectAlternativeDnsNames(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != SubjectAlternativeNameOid) continue;
            try
            {
                names.AddRange(new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical).EnumerateDnsNames());
            }
            catch (Exception e) when (e is CryptographicException or AsnContentException)
            {
                return null;
            }
        }
        return names;
    }

    /// <summary>
    /// The CN values of the subject. A CN inside a multi-valued RDN (<c>CN=a+O=b</c>) is not read: such a
    /// name then presents nothing, which fails closed.
    /// </summary>
    private static List<string> CommonNames(X500DistinguishedName subject)
    {
        var names = new List<string>();
        try
        {
            foreach (var relativeName in subject.EnumerateRelativeDistinguishedNames())
            {
                if (!relativeName.HasMultipleElements
                    && relativeName.GetSingleElementType().Value == CommonNameOid
                    && relativeName.GetSingleElementValue() is { } value)
                {
                    names.Add(value);
                }
            }
        }
        catch (CryptographicException)
        {
            return [];
        }
        return names;
    }
}
