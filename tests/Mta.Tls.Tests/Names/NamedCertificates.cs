using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mta.Tls.Tests.Names;

/// <summary>
/// Self-signed certificates with chosen subject CNs and subjectAltName entries, made with .NET's
/// CertificateRequest so that names our own generator refuses (partial wildcards, several CNs,
/// malformed extensions) can be presented too.
/// </summary>
internal static class NamedCertificates
{
    private const string SubjectAlternativeNameOid = "2.5.29.17";

    /// <summary>A certificate with one CN per entry of <paramref name="commonNames"/> and the DNS names as subjectAltName (none: no extension).</summary>
    public static X509Certificate2 Make(string[] commonNames, string[] dnsNames, IPAddress? ipAddress = null)
    {
        var subject = new X500DistinguishedNameBuilder();
        foreach (var commonName in commonNames) subject.AddCommonName(commonName);
        if (commonNames.Length == 0) subject.AddOrganizationName("No Common Name Ltd");
        return SelfSign(subject.Build(), request =>
        {
            if (dnsNames.Length == 0 && ipAddress is null) return;
            var alternativeNames = new SubjectAlternativeNameBuilder();
            foreach (var name in dnsNames) alternativeNames.AddDnsName(name);
            if (ipAddress is not null) alternativeNames.AddIpAddress(ipAddress);
            request.CertificateExtensions.Add(alternativeNames.Build());
        });
    }

    /// <summary>A certificate with one CN and no subjectAltName.</summary>
    public static X509Certificate2 WithCommonName(string commonName) => Make([commonName], []);

    /// <summary>A certificate with CN <paramref name="commonName"/> whose subjectAltName extension holds bytes that are not DER.</summary>
    public static X509Certificate2 WithMalformedAlternativeNames(string commonName)
    {
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(commonName);
        return SelfSign(subject.Build(), request =>
            request.CertificateExtensions.Add(new X509Extension(SubjectAlternativeNameOid, [0x30, 0x05, 0x82, 0x07, (byte)'a'], critical: false)));
    }

    private static X509Certificate2 SelfSign(X500DistinguishedName subject, Action<CertificateRequest> addExtensions)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        addExtensions(request);
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }
}
