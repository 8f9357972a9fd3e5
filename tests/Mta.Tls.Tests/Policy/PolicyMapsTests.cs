using Mta.Tls.Policy;
using Xunit;
using static Mta.Tls.Tests.Policy.PolicyTables;

namespace Mta.Tls.Tests.Policy;

public sealed class PolicyMapsTests
{
    private const string Host = "mx.example.net";

    private static readonly Dictionary<string, string> Table = Of(
        ("example.com", "encrypt"),
        (".example.com", "verify"),
        (".b.example.com", "secure"),
        ("a.b.example.com", "may"),
        ("[relay.example.net]:587", $"fingerprint match={Sha256}"),
        ("[relay.example.net]", "encrypt"),
        ("relay.example.net:2525", "secure"));

    [Theory]
    [InlineData("example.com", TlsLevel.Encrypt, "policy-maps example.com")]
    [InlineData("EXAMPLE.Com", TlsLevel.Encrypt, "policy-maps example.com")]
    [InlineData("x.example.com", TlsLevel.Verify, "policy-maps .example.com")]
    [InlineData("b.example.com", TlsLevel.Verify, "policy-maps .example.com")]
    [InlineData("x.b.example.com", TlsLevel.Secure, "policy-maps .b.example.com")]
    [InlineData("y.x.b.example.com", TlsLevel.Secure, "policy-maps .b.example.com")]
    [InlineData("a.b.example.com", TlsLevel.May, "policy-maps a.b.example.com")]
    [InlineData("[relay.example.net]:587", TlsLevel.Fingerprint, "policy-maps [relay.example.net]:587")]
    [InlineData("[relay.example.net]", TlsLevel.Encrypt, "policy-maps [relay.example.net]")]
    [InlineData("relay.example.net:2525", TlsLevel.Secure, "policy-maps relay.example.net:2525")]
    [InlineData("[relay.example.net]:25", TlsLevel.None, "global")]
    [InlineData("relay.example.net", TlsLevel.None, "global")]
    [InlineData("[x.example.com]", TlsLevel.None, "global")]
    [InlineData("[x.example.com]:25", TlsLevel.None, "global")]
    [InlineData("x.example.com:2525", TlsLevel.None, "global")]
    [InlineData("example.org", TlsLevel.None, "global")]
    [InlineData("com", TlsLevel.None, "global")]
    public void Nexthop_should_match_exactly_or_through_its_parent_domains(string nexthop, TlsLevel expected, string source)
    {
        TlsPolicyResolver resolver = PolicyMaps(TlsLevel.None, Table);

        SitePolicy nexthopPart = resolver.ResolveNexthop(nexthop);
        TlsPolicy policy = resolver.ResolveHost(nexthopPart, Host);

        Assert.Equal(expected, policy.Level);
        Assert.Equal(source, policy.Source);
        Assert.Equal(source, nexthopPart.Source);
    }

    [Fact]
    public void Top_level_parent_should_match_too()
    {
        TlsPolicyResolver resolver = PolicyMaps(TlsLevel.May, Of((".com", "encrypt")));

        Assert.Equal(TlsLevel.Encrypt, resolver.ResolveHost(resolver.ResolveNexthop("example.com"), Host).Level);
        Assert.Equal(TlsLevel.May, resolver.ResolveHost(resolver.ResolveNexthop("example.org"), Host).Level);
    }

    [Fact]
    public void Unbracketed_address_should_not_match_parent_entries()
    {
        TlsPolicyResolver resolver = PolicyMaps(TlsLevel.May, Of((".2.1", "encrypt"), ("192.0.2.1", "verify")));

        Assert.Equal(TlsLevel.Verify, resolver.ResolveHost(resolver.ResolveNexthop("192.0.2.1"), "192.0.2.1").Level);
        Assert.Equal(TlsLevel.May, resolver.ResolveHost(resolver.ResolveNexthop("192.0.3.1"), "192.0.3.1").Level);
    }

    [Fact]
    public void Host_name_should_never_be_looked_up()
    {
        TlsPolicyResolver resolver = PolicyMaps(TlsLevel.May, Of(("mx.example.com", "secure"), (".example.com", "secure")));

        TlsPolicy policy = resolver.ResolveHost(resolver.ResolveNexthop("example.org"), "mx.example.com");

        Assert.Equal(new TlsPolicy(TlsLevel.May, [], null, null, "global"), policy);
    }

    [Fact]
    public void Entry_may_should_override_a_stronger_global_level()
    {
        // Unlike per-site, where a site MAY yields to a stronger global level.
        TlsPolicyResolver resolver = PolicyMaps(TlsLevel.Verify, Of(("example.com", "may")));

        Assert.Equal(TlsLevel.May, resolver.ResolveHost(resolver.ResolveNexthop("example.com"), Host).Level);
    }

    [Fact]
    public void Per_site_should_be_ignored_with_a_start_up_warning_when_policy_maps_is_set()
    {
        Dictionary<string, string> perSite = Of(("example.com", "MUST"), (Host, "MUST"), ("broken.example", "WHATEVER"));
        var both = new TlsPolicyResolver(TlsLevel.May, () => perSite, () => Of());
        var perSiteOnly = new TlsPolicyResolver(TlsLevel.May, () => perSite, null);
        var policyMapsOnly = new TlsPolicyResolver(TlsLevel.May, null, () => Of());

        TlsPolicy policy = both.ResolveHost(both.ResolveNexthop("example.com"), Host);

        Assert.Equal(new TlsPolicy(TlsLevel.May, [], null, null, "global"), policy);
        Assert.Equal("mta.smtp.tls.per-site is ignored because mta.smtp.tls.policy-maps is set", both.StartupWarning);
        Assert.Equal(TlsPolicyResolver.PerSiteIgnoredWarning, both.StartupWarning);
        Assert.Empty(both.Errors());
        Assert.Null(perSiteOnly.StartupWarning);
        Assert.Null(policyMapsOnly.StartupWarning);
        Assert.Single(perSiteOnly.Errors());
    }

    public static TheoryData<string, string, TlsPolicy> Attributes() => new()
    {
        { "example.com", "verify", new TlsPolicy(TlsLevel.Verify, [Host], null, null, "policy-maps example.com") },
        { "example.com", "VERIFY", new TlsPolicy(TlsLevel.Verify, [Host], null, null, "policy-maps example.com") },
        { "example.com", "secure", new TlsPolicy(TlsLevel.Secure, ["example.com", ".example.com"], null, null, "policy-maps example.com") },
        { "[mail.example.org]:587", "secure", new TlsPolicy(TlsLevel.Secure, ["mail.example.org", ".mail.example.org"], null, null, "policy-maps [mail.example.org]:587") },
        { "example.com", "verify match=hostname:nexthop:dot-nexthop", new TlsPolicy(TlsLevel.Verify, [Host, "example.com", ".example.com"], null, null, "policy-maps example.com") },
        { "example.com", "secure match=.example.com:Mail.Example.ORG", new TlsPolicy(TlsLevel.Secure, [".example.com", "mail.example.org"], null, null, "policy-maps example.com") },
        { "example.com", "secure match=mail.example.org match=nexthop", new TlsPolicy(TlsLevel.Secure, ["mail.example.org", "example.com"], null, null, "policy-maps example.com") },
        { "example.com", "verify,match=hostname:hostname, ,", new TlsPolicy(TlsLevel.Verify, [Host], null, null, "policy-maps example.com") },
        { "example.com", "verify Match=nexthop::", new TlsPolicy(TlsLevel.Verify, ["example.com"], null, null, "policy-maps example.com") },
        { "example.com", $"fingerprint match={Sha256.ToLowerInvariant()}|{Sha256.Replace(":", "", StringComparison.Ordinal)[..40]}", new TlsPolicy(TlsLevel.Fingerprint, [Sha256, Sha256[..59]], null, null, "policy-maps example.com") },
        { "example.com", $"fingerprint match={Sha256[..47]} match={Sha256}", new TlsPolicy(TlsLevel.Fingerprint, [Sha256[..47], Sha256], null, null, "policy-maps example.com") },
        { "example.com", "encrypt protocols=>=TLSv1.2 ciphers=high", new TlsPolicy(TlsLevel.Encrypt, [], ">=TLSv1.2", "high", "policy-maps example.com") },
        { "example.com", "encrypt { protocols = !SSLv2,   !SSLv3 } {ciphers=medium}", new TlsPolicy(TlsLevel.Encrypt, [], "!SSLv2, !SSLv3", "medium", "policy-maps example.com") },
        { "example.com", "may ciphers=medium", new TlsPolicy(TlsLevel.May, [], null, "medium", "policy-maps example.com") },
        { "example.com", "none match=anything protocols=x bogus", new TlsPolicy(TlsLevel.None, [], null, null, "policy-maps example.com") },
        { "example.com", "  secure\tprotocols=TLSv1.3  ", new TlsPolicy(TlsLevel.Secure, ["example.com", ".example.com"], "TLSv1.3", null, "policy-maps example.com") },
    };

    [Theory]
    [MemberData(nameof(Attributes))]
    public void Attributes_should_set_match_protocols_and_ciphers(string nexthop, string value, TlsPolicy expected)
    {
        TlsPolicyResolver resolver = PolicyMaps(TlsLevel.None, Of((nexthop, value)));

        TlsPolicy policy = resolver.ResolveHost(resolver.ResolveNexthop(nexthop), "MX.example.NET.");

        Assert.Equal(expected, policy);
        Assert.Empty(resolver.Errors());
    }

    [Fact]
    public void Fingerprint_entry_without_match_should_use_the_global_fingerprints()
    {
        var resolver = new TlsPolicyResolver(TlsLevel.May, null, () => Of(("example.com", "fingerprint")), [Sha256.ToLowerInvariant()]);

        TlsPolicy policy = resolver.ResolveHost(resolver.ResolveNexthop("example.com"), Host);

        Assert.Equal(new TlsPolicy(TlsLevel.Fingerprint, [Sha256], null, null, "policy-maps example.com"), policy);
    }

    [Theory]
    [InlineData("", "invalid empty policy")]
    [InlineData("  , ", "invalid empty policy")]
    [InlineData("strict", "invalid security level \"strict\"")]
    [InlineData("dane", "security level \"dane\" is not supported")]
    [InlineData("dane-only match=nexthop", "security level \"dane-only\" is not supported")]
    [InlineData("may match=example.com", "attribute \"match\" invalid at security level \"may\"")]
    [InlineData("encrypt match=example.com", "attribute \"match\" invalid at security level \"encrypt\"")]
    [InlineData("verify match=", "attribute \"match\" has empty value")]
    [InlineData("secure match=::", "attribute \"match\" has empty value")]
    [InlineData("verify match=*.example.com", "invalid name \"*.example.com\"")]
    [InlineData("verify match=exa$mple.com", "invalid name \"exa$mple.com\"")]
    [InlineData("encrypt ciphers=", "attribute \"ciphers\" has empty value")]
    [InlineData("encrypt protocols=", "attribute \"protocols\" has empty value")]
    [InlineData("encrypt protocols=TLSv1.2 protocols=TLSv1.3", "attribute \"protocols\" is specified multiple times")]
    [InlineData("encrypt ciphers=high ciphers=medium", "attribute \"ciphers\" is specified multiple times")]
    [InlineData("encrypt foo=bar", "unknown attribute \"foo\"")]
    [InlineData("encrypt exclude=aNULL", "attribute \"exclude\" is not supported")]
    [InlineData("secure servername=mx.example.com", "attribute \"servername\" is not supported")]
    [InlineData("verify hostname", "missing '=' after attribute name")]
    [InlineData("verify =hostname", "missing attribute name")]
    [InlineData("fingerprint", "fingerprint security level without fingerprints")]
    [InlineData("fingerprint match=|", "attribute \"match\" has empty value")]
    [InlineData("fingerprint match=zz:zz:zz:zz:zz:zz:zz:zz:zz:zz:zz:zz:zz:zz:zz:zz", "is not hexadecimal")]
    [InlineData("fingerprint match=AB:CD", "has 2 bytes")]
    [InlineData("fingerprint match=ABC:DE", "is not hex pairs joined by colons")]
    [InlineData("encrypt { ciphers = high", "missing '}'")]
    public void Malformed_entry_should_be_reported_and_defer_the_nexthop(string value, string problem)
    {
        TlsPolicyResolver resolver = PolicyMaps(TlsLevel.May, Of(("example.com", value), ("example.org", "encrypt")));

        TlsPolicyError error = Assert.Single(resolver.Errors());
        SitePolicy nexthopPart = resolver.ResolveNexthop("example.com");
        TlsPolicy policy = resolver.ResolveHost(nexthopPart, Host);

        Assert.Equal("example.com", error.Key);
        Assert.Equal(value, error.Value);
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
        Assert.Equal(error, nexthopPart.Error);
        Assert.Equal(TlsPolicy.Invalid(error, "policy-maps example.com"), policy);
        Assert.Equal(new StartTlsDecision(TlsAction.Defer, "4.7.5", "client TLS configuration problem", $"TLS policy lookup for example.com: policy-maps example.com: {error}"), TlsDecision.ForNexthop(nexthopPart));
        Assert.Equal(TlsAction.SkipHost, TlsDecision.BeforeConnect(policy).Action);
        Assert.Equal(TlsLevel.Encrypt, resolver.ResolveHost(resolver.ResolveNexthop("example.org"), Host).Level);
    }

    [Fact]
    public void Malformed_parent_entry_should_defer_its_subdomains_rather_than_fall_back_to_the_global_level()
    {
        TlsPolicyResolver resolver = PolicyMaps(TlsLevel.May, Of((".example.com", "verfiy"), ("a.example.com", "secure")));

        Assert.False(resolver.ResolveHost(resolver.ResolveNexthop("b.example.com"), Host).IsValid);
        Assert.Equal(TlsLevel.Secure, resolver.ResolveHost(resolver.ResolveNexthop("a.example.com"), Host).Level);
        Assert.Equal(TlsLevel.May, resolver.ResolveHost(resolver.ResolveNexthop("example.com"), Host).Level);
    }

    [Fact]
    public void Errors_should_follow_the_table_when_its_owner_replaces_it()
    {
        Dictionary<string, string> current = Of(("example.com", "verfiy"));
        var resolver = new TlsPolicyResolver(TlsLevel.May, null, () => current);

        Assert.Single(resolver.Errors());
        Assert.False(resolver.ResolveNexthop("example.com").Error is null);

        current = Of(("example.com", "verify"));

        Assert.Empty(resolver.Errors());
        Assert.Equal(TlsLevel.Verify, resolver.ResolveHost(resolver.ResolveNexthop("example.com"), Host).Level);
    }

    [Fact]
    public void Keys_that_differ_only_in_case_should_hold_only_when_they_mean_the_same()
    {
        TlsPolicyResolver resolver = PolicyMaps(TlsLevel.May, Of(("Example.com", "secure"), ("example.COM", " SECURE, "), ("Example.org", "verify match=a.example"), ("example.ORG", "verify match=b.example")));

        TlsPolicyError error = Assert.Single(resolver.Errors());
        Assert.Contains("conflicts with entry", error.Problem, StringComparison.Ordinal);
        Assert.Equal(TlsLevel.Secure, resolver.ResolveHost(resolver.ResolveNexthop("example.com"), Host).Level);
        Assert.False(resolver.ResolveHost(resolver.ResolveNexthop("example.org"), Host).IsValid);
    }
}
