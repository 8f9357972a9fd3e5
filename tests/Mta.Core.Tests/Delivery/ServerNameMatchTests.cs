using System.Security.Cryptography.X509Certificates;
using Mta.Core.Delivery;
using Mta.Tls;
using Xunit;
using TlsPki = Mta.Tls.Pki;

namespace Mta.Core.Tests.Delivery;

/// <summary>How a server certificate is matched against the names of a verify or secure policy.</summary>
public sealed class ServerNameMatchTests
{
    [Theory]
    [InlineData(new[] { "mx.example.com" }, new[] { "mx.example.com" }, true)]
    [InlineData(new[] { "mx.example.com" }, new[] { "MX.Example.COM." }, true)]
    [InlineData(new[] { "mx.example.com" }, new[] { "example.com" }, false)]
    [InlineData(new[] { "*.example.com" }, new[] { "mx.example.com" }, true)]
    [InlineData(new[] { "*.example.com" }, new[] { "a.mx.example.com" }, false)]
    [InlineData(new[] { "example.com" }, new[] { ".example.com" }, false)]
    [InlineData(new[] { "mx.example.com" }, new[] { ".example.com" }, true)]
    [InlineData(new[] { "a.b.example.com" }, new[] { ".example.com" }, true)]
    [InlineData(new[] { "mx.example.org" }, new[] { ".example.com" }, false)]
    [InlineData(new[] { "example.com" }, new[] { "example.com", ".example.com" }, true)]
    [InlineData(new[] { "mx.example.com" }, new[] { "example.com", ".example.com" }, true)]
    [InlineData(new[] { "badexample.com" }, new[] { "example.com", ".example.com" }, false)]
    [InlineData(new[] { "mx.other.test", "mx.example.com" }, new[] { "nope.test", "mx.example.com" }, true)]
    [InlineData(new[] { "xn--bcher-kva.example" }, new[] { "bücher.example" }, true)]
    [InlineData(new[] { "mail.xn--bcher-kva.example" }, new[] { ".bücher.example" }, true)]
    public void A_name_matches_itself_a_dotted_name_only_what_is_below_it(string[] presented, string[] policyNames, bool matches)
    {
        using X509Certificate2 certificate = Certificate(presented);

        Assert.Equal(matches, ClientTls.MatchesAny(certificate, policyNames));
    }

    private static X509Certificate2 Certificate(string[] dnsNames)
    {
        var now = DateTimeOffset.UtcNow;
        return TlsPki.SelfSigned(dnsNames[0], dnsNames, CertificateUsage.Server, now.AddDays(-1), now.AddDays(1)).ToX509Certificate2();
    }
}
