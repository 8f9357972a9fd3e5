using System.Net;
using Xunit;

namespace Mta.Tls.Tests.Names;

/// <summary>Server certificate names against the names the client expects (RFC 6125, as Postfix checks them).</summary>
public sealed class PeerNameTests
{
    // A certificate with DNS names in subjectAltName and a CN that is therefore not used.
    private static readonly string[] SanCommonName = ["cn.example"];
    private static readonly string[] SanNames = ["mx.example.com", "*.wild.example.com", "mail.upper.example"];

    public static TheoryData<string, bool> AlternativeNameCases => new()
    {
        { "mx.example.com", true },
        { "MX.Example.COM", true },
        { "mx.example.com.", true },
        { "mail.upper.example", true },
        { "a.wild.example.com", true },
        { "A.Wild.Example.Com.", true },
        { "xn--bcher-kva.wild.example.com", true },
        { "wild.example.com", false },
        { "a.b.wild.example.com", false },
        { "cn.example", false },
        { "example.com", false },
        { "x.example.com", false },
        { "mx.example.co", false },
        { "mx.example.com.evil", false },
        { "*.wild.example.com", false },
        { ".mx.example.com", false },
        { "mx.example.com..", false },
        { "mx..example.com", false },
        { "", false },
    };

    [Theory]
    [MemberData(nameof(AlternativeNameCases))]
    public void DNS_names_in_subjectAltName_are_matched_and_the_CN_is_then_ignored(string name, bool expected)
    {
        using var certificate = NamedCertificates.Make(SanCommonName, SanNames);

        Assert.Equal(expected, PeerName.Matches(certificate, name));
    }

    [Theory]
    [InlineData("cn.example", "cn.example", true)]
    [InlineData("cn.example", "CN.EXAMPLE.", true)]
    [InlineData("cn.example", "other.example", false)]
    [InlineData("cn.example", "a.cn.example", false)]
    [InlineData("Mixed.Case.Example", "mixed.case.example", true)]
    [InlineData("*.cn.example", "mx.cn.example", true)]
    [InlineData("*.cn.example", "cn.example", false)]
    [InlineData("My Mail Server", "my mail server", false)]
    public void Without_DNS_names_in_subjectAltName_the_CN_is_the_name(string commonName, string name, bool expected)
    {
        using var certificate = NamedCertificates.WithCommonName(commonName);

        Assert.Equal(expected, PeerName.Matches(certificate, name));
    }

    [Fact]
    public void A_subjectAltName_with_only_an_IP_address_leaves_the_CN_as_the_name()
    {
        using var certificate = NamedCertificates.Make(["ip.example"], [], IPAddress.Parse("192.0.2.1"));

        Assert.Equal(["ip.example"], PeerName.DnsNames(certificate));
        Assert.True(PeerName.Matches(certificate, "ip.example"));
    }

    [Fact]
    public void DnsNames_lists_the_subjectAltName_DNS_names_in_order_and_not_the_CN()
    {
        using var certificate = NamedCertificates.Make(SanCommonName, SanNames);

        Assert.Equal(SanNames, PeerName.DnsNames(certificate));
    }

    [Fact]
    public void A_subject_with_two_CNs_and_no_DNS_names_presents_no_name()
    {
        using var certificate = NamedCertificates.Make(["one.example", "two.example"], []);

        Assert.Empty(PeerName.DnsNames(certificate));
        Assert.False(PeerName.Matches(certificate, "one.example"));
        Assert.False(PeerName.Matches(certificate, "two.example"));
    }

    [Fact]
    public void A_certificate_without_CN_or_DNS_names_matches_nothing()
    {
        using var certificate = NamedCertificates.Make([], []);

        Assert.Empty(PeerName.DnsNames(certificate));
        Assert.False(PeerName.Matches(certificate, "no.example"));
    }

    [Fact]
    public void A_malformed_subjectAltName_presents_nothing_rather_than_falling_back_to_the_CN()
    {
        using var certificate = NamedCertificates.WithMalformedAlternativeNames("cn.example");

        Assert.Empty(PeerName.DnsNames(certificate));
        Assert.False(PeerName.Matches(certificate, "cn.example"));
    }

    [Theory]
    [InlineData("f*.example.com", "foo.example.com")]
    [InlineData("*oo.example.com", "foo.example.com")]
    [InlineData("*.*.example.com", "a.b.example.com")]
    [InlineData("a.*.example.com", "a.b.example.com")]
    [InlineData("*", "localhost")]
    [InlineData("*.com", "example.com")]
    [InlineData("**.example.com", "a.example.com")]
    [InlineData("*example.com", "example.com")]
    public void Partial_nested_and_top_level_wildcards_match_nothing(string presented, string name)
    {
        using var certificate = NamedCertificates.Make([], [presented]);

        Assert.False(PeerName.Matches(certificate, name));
    }

    [Theory]
    [InlineData("bücher.example", true)]
    [InlineData("BÜCHER.example", true)]
    [InlineData("xn--bcher-kva.example", true)]
    [InlineData("XN--BCHER-KVA.EXAMPLE.", true)]
    [InlineData("bucher.example", false)]
    [InlineData("mx.bücher.example", true)]
    [InlineData("mx.xn--bcher-kva.example", true)]
    [InlineData("a.mx.bücher.example", false)]
    public void Internationalised_names_compare_as_A_labels(string name, bool expected)
    {
        // subjectAltName dNSName holds A-labels only; the builder converts the U-labels.
        using var certificate = NamedCertificates.Make([], ["bücher.example", "*.bücher.example"]);

        Assert.Equal(expected, PeerName.Matches(certificate, name));
    }

    [Theory]
    [InlineData("bücher.example", true)]
    [InlineData("xn--bcher-kva.example", true)]
    [InlineData("b\u00fccher.example.", true)]
    public void An_internationalised_CN_in_U_labels_compares_as_A_labels(string name, bool expected)
    {
        using var certificate = NamedCertificates.WithCommonName("Bücher.example");

        Assert.Equal(expected, PeerName.Matches(certificate, name));
    }

    public static TheoryData<string[], string, bool> SecureLevelCases => new()
    {
        { ["mx1.example.com"], "example.com", true },
        { ["mx1.example.com"], "EXAMPLE.COM.", true },
        { ["mx1.example.com"], "mx1.example.com", true },
        { ["mx1.example.com"], "ample.com", false },
        { ["mx1.example.com"], "other.com", false },
        { ["mx1.example.com"], "a.mx1.example.com", false },
        { ["example.com"], "example.com", true },
        { ["example.com"], "mail.example.com", false },
        { ["*.example.com"], "example.com", true },
        { ["*.example.com"], "mail.example.com", true },
        { ["*.example.com"], "a.mail.example.com", false },
        { ["*.mail.example.com"], "example.com", true },
        { ["f*.example.com"], "example.com", false },
        { ["mx.bücher.example"], "bücher.example", true },
        { ["mx.bücher.example"], "xn--bcher-kva.example", true },
        { ["mx1.example.com"], "", false },
        { ["mx1.example.com"], ".example.com", false },
    };

    [Theory]
    [MemberData(nameof(SecureLevelCases))]
    public void The_secure_level_accepts_the_nexthop_domain_or_a_name_inside_it(string[] presented, string domain, bool expected)
    {
        using var certificate = NamedCertificates.Make([], presented);

        Assert.Equal(expected, PeerName.MatchesDomainOrSubdomain(certificate, domain));
    }

    [Fact]
    public void The_secure_level_reads_the_CN_when_there_are_no_DNS_names()
    {
        using var certificate = NamedCertificates.WithCommonName("mx.example.org");

        Assert.True(PeerName.MatchesDomainOrSubdomain(certificate, "example.org"));
        Assert.False(PeerName.MatchesDomainOrSubdomain(certificate, "example.net"));
    }
}
