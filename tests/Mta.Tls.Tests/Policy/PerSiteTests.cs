using Mta.Tls.Policy;
using Xunit;
using static Mta.Tls.Tests.Policy.PolicyTables;

namespace Mta.Tls.Tests.Policy;

public sealed class PerSiteTests
{
    private const string Nexthop = "example.com";
    private const string Host = "mx.example.net";

    // Tabella 4 of the seed article, as a per-site table.
    private static readonly Dictionary<string, string> SeedTable = Of(
        ("unknown.dom.ain", "NONE"),
        ("host.dom.ain", "MAY"),
        ("important.host", "MUST"),
        ("some.host.dom.ain", "MUST_NOPEERMATCH"));

    // The seed's client configuration (Tabella 3) gives the global level may.
    private static readonly TlsLevel SeedGlobal = TlsPolicyResolver.GlobalLevel("", useTls: true, enforceTls: false, enforcePeername: true);

    [Theory]
    [InlineData("unknown.dom.ain", TlsLevel.None)]
    [InlineData("host.dom.ain", TlsLevel.May)]
    [InlineData("important.host", TlsLevel.Verify)]
    [InlineData("some.host.dom.ain", TlsLevel.Encrypt)]
    public void Seed_entries_should_apply_as_nexthop(string entry, TlsLevel expected)
    {
        TlsPolicyResolver resolver = PerSite(SeedGlobal, SeedTable);

        TlsPolicy policy = resolver.ResolveHost(resolver.ResolveNexthop(entry), "relay.elsewhere.example");

        Assert.Equal(expected, policy.Level);
        Assert.Equal($"per-site nexthop {entry}", policy.Source);
    }

    [Theory]
    [InlineData("unknown.dom.ain", TlsLevel.None)]
    [InlineData("host.dom.ain", TlsLevel.May)]
    [InlineData("important.host", TlsLevel.Verify)]
    [InlineData("some.host.dom.ain", TlsLevel.Encrypt)]
    public void Seed_entries_should_apply_as_host_name(string entry, TlsLevel expected)
    {
        TlsPolicyResolver resolver = PerSite(SeedGlobal, SeedTable);

        TlsPolicy policy = resolver.ResolveHost(resolver.ResolveNexthop("recipient.example"), entry);

        Assert.Equal(expected, policy.Level);
        Assert.Equal($"per-site host {entry}", policy.Source);
    }

    [Fact]
    public void Seed_must_entry_should_verify_the_host_name()
    {
        TlsPolicyResolver resolver = PerSite(SeedGlobal, SeedTable);

        TlsPolicy policy = resolver.ResolveHost(resolver.ResolveNexthop("recipient.example"), "important.host");

        Assert.Equal(new TlsPolicy(TlsLevel.Verify, ["important.host"], null, null, "per-site host important.host"), policy);
    }

    [Fact]
    public void Seed_names_not_in_the_table_should_get_the_global_level()
    {
        TlsPolicyResolver resolver = PerSite(SeedGlobal, SeedTable);

        TlsPolicy policy = resolver.ResolveHost(resolver.ResolveNexthop("dom.ain"), "other.dom.ain");

        Assert.Equal(new TlsPolicy(TlsLevel.May, [], null, null, "global"), policy);
    }

    // Expected levels, written out from the rules rather than computed: the two per-site hits
    // combine (a specific value overrides MAY, otherwise the stronger wins, equal keeps the nexthop's),
    // then a site MAY yields to a stronger global level and any other site value beats the global
    // level. "-" is no entry. Columns: global none, may, encrypt, fingerprint, verify, secure.
    // Each cell is level@source: global, nexthop (the nexthop's entry) or host (the host's entry).
    private static readonly (string NexthopValue, string HostValue, string Cells)[] Combinations =
    [
        ("-", "-", "none@global may@global encrypt@global fingerprint@global verify@global secure@global"),
        ("-", "NONE", "none@host none@host none@host none@host none@host none@host"),
        ("-", "MAY", "may@host may@host encrypt@global fingerprint@global verify@global secure@global"),
        ("-", "MUST_NOPEERMATCH", "encrypt@host encrypt@host encrypt@host encrypt@host encrypt@host encrypt@host"),
        ("-", "MUST", "verify@host verify@host verify@host verify@host verify@host verify@host"),

        ("NONE", "-", "none@nexthop none@nexthop none@nexthop none@nexthop none@nexthop none@nexthop"),
        ("NONE", "NONE", "none@nexthop none@nexthop none@nexthop none@nexthop none@nexthop none@nexthop"),
        ("NONE", "MAY", "none@nexthop none@nexthop none@nexthop none@nexthop none@nexthop none@nexthop"),
        ("NONE", "MUST_NOPEERMATCH", "encrypt@host encrypt@host encrypt@host encrypt@host encrypt@host encrypt@host"),
        ("NONE", "MUST", "verify@host verify@host verify@host verify@host verify@host verify@host"),

        ("MAY", "-", "may@nexthop may@nexthop encrypt@global fingerprint@global verify@global secure@global"),
        ("MAY", "NONE", "none@host none@host none@host none@host none@host none@host"),
        ("MAY", "MAY", "may@nexthop may@nexthop encrypt@global fingerprint@global verify@global secure@global"),
        ("MAY", "MUST_NOPEERMATCH", "encrypt@host encrypt@host encrypt@host encrypt@host encrypt@host encrypt@host"),
        ("MAY", "MUST", "verify@host verify@host verify@host verify@host verify@host verify@host"),

        ("MUST_NOPEERMATCH", "-", "encrypt@nexthop encrypt@nexthop encrypt@nexthop encrypt@nexthop encrypt@nexthop encrypt@nexthop"),
        ("MUST_NOPEERMATCH", "NONE", "encrypt@nexthop encrypt@nexthop encrypt@nexthop encrypt@nexthop encrypt@nexthop encrypt@nexthop"),
        ("MUST_NOPEERMATCH", "MAY", "encrypt@nexthop encrypt@nexthop encrypt@nexthop encrypt@nexthop encrypt@nexthop encrypt@nexthop"),
        ("MUST_NOPEERMATCH", "MUST_NOPEERMATCH", "encrypt@nexthop encrypt@nexthop encrypt@nexthop encrypt@nexthop encrypt@nexthop encrypt@nexthop"),
        ("MUST_NOPEERMATCH", "MUST", "verify@host verify@host verify@host verify@host verify@host verify@host"),

        ("MUST", "-", "verify@nexthop verify@nexthop verify@nexthop verify@nexthop verify@nexthop verify@nexthop"),
        ("MUST", "NONE", "verify@nexthop verify@nexthop verify@nexthop verify@nexthop verify@nexthop verify@nexthop"),
        ("MUST", "MAY", "verify@nexthop verify@nexthop verify@nexthop verify@nexthop verify@nexthop verify@nexthop"),
        ("MUST", "MUST_NOPEERMATCH", "verify@nexthop verify@nexthop verify@nexthop verify@nexthop verify@nexthop verify@nexthop"),
        ("MUST", "MUST", "verify@nexthop verify@nexthop verify@nexthop verify@nexthop verify@nexthop verify@nexthop"),
    ];

    private static readonly TlsLevel[] GlobalColumns =
        [TlsLevel.None, TlsLevel.May, TlsLevel.Encrypt, TlsLevel.Fingerprint, TlsLevel.Verify, TlsLevel.Secure];

    public static TheoryData<string, string, TlsLevel, string> EveryCombination()
    {
        var data = new TheoryData<string, string, TlsLevel, string>();
        foreach ((string nexthopValue, string hostValue, string cells) in Combinations)
        {
            string[] expected = cells.Split(' ');
            Assert.Equal(GlobalColumns.Length, expected.Length);
            for (int column = 0; column < GlobalColumns.Length; column++)
            {
                data.Add(nexthopValue, hostValue, GlobalColumns[column], expected[column]);
            }
        }

        return data;
    }

    [Fact]
    public void Combination_table_should_cover_every_pairing()
    {
        string[] values = ["-", "NONE", "MAY", "MUST_NOPEERMATCH", "MUST"];
        var pairs = Combinations.Select(row => (row.NexthopValue, row.HostValue)).ToHashSet();

        Assert.Equal(values.Length * values.Length, Combinations.Length);
        Assert.All(values.SelectMany(nexthop => values.Select(host => (nexthop, host))), pair => Assert.Contains(pair, pairs));
    }

    [Theory]
    [MemberData(nameof(EveryCombination))]
    public void Nexthop_and_host_entries_should_combine_with_the_global_level(string nexthopValue, string hostValue, TlsLevel global, string expected)
    {
        var table = new Dictionary<string, string>();
        if (nexthopValue != "-")
        {
            table[Nexthop] = nexthopValue;
        }

        if (hostValue != "-")
        {
            table[Host] = hostValue;
        }

        TlsPolicyResolver resolver = PerSite(global, table);

        TlsPolicy policy = resolver.ResolveHost(resolver.ResolveNexthop(Nexthop), Host);

        string[] levelAndSource = expected.Split('@');
        string source = levelAndSource[1] switch
        {
            "global" => "global",
            "nexthop" => $"per-site nexthop {Nexthop}",
            _ => $"per-site host {Host}",
        };
        Assert.Equal(levelAndSource[0], policy.Level.ToWord());
        Assert.Equal(source, policy.Source);
        Assert.True(policy.IsValid);
    }

    [Theory]
    [InlineData(TlsLevel.Fingerprint, new[] { Sha256 })]
    [InlineData(TlsLevel.Verify, new[] { Host })]
    [InlineData(TlsLevel.Secure, new[] { Nexthop, "." + Nexthop })]
    public void Site_may_that_yields_to_the_global_level_should_take_its_default_match(TlsLevel global, string[] match)
    {
        TlsPolicyResolver resolver = PerSite(global, Of((Nexthop, "MAY")));

        TlsPolicy policy = resolver.ResolveHost(resolver.ResolveNexthop(Nexthop), Host);

        Assert.Equal(new TlsPolicy(global, match, null, null, "global"), policy);
    }

    [Fact]
    public void Nexthop_should_be_looked_up_exactly_as_routed()
    {
        TlsPolicyResolver resolver = PerSite(TlsLevel.May, Of(
            ("[relay.example.com]:587", "MUST"),
            ("[relay.example.com]", "MUST_NOPEERMATCH"),
            ("relay.example.com", "NONE")));

        Assert.Equal(TlsLevel.Verify, resolver.ResolveHost(resolver.ResolveNexthop("[relay.example.com]:587"), "relay.example.com").Level);
        Assert.Equal(TlsLevel.Encrypt, resolver.ResolveHost(resolver.ResolveNexthop("[relay.example.com]"), "relay.example.com").Level);
        Assert.Equal(TlsLevel.None, resolver.ResolveHost(resolver.ResolveNexthop("relay.example.com"), "relay.example.com").Level);
        Assert.Equal("per-site nexthop [relay.example.com]:587", resolver.ResolveNexthop("[relay.example.com]:587").Source);
    }

    [Fact]
    public void Bracketed_nexthop_should_also_look_up_the_host_name()
    {
        // "[relay.example.com]:587" and "relay.example.com" differ, so the host lookup runs; MUST beats MUST_NOPEERMATCH.
        TlsPolicyResolver resolver = PerSite(TlsLevel.None, Of(
            ("[relay.example.com]:587", "MUST_NOPEERMATCH"),
            ("relay.example.com", "MUST")));

        TlsPolicy policy = resolver.ResolveHost(resolver.ResolveNexthop("[relay.example.com]:587"), "relay.example.com");

        Assert.Equal(new TlsPolicy(TlsLevel.Verify, ["relay.example.com"], null, null, "per-site host relay.example.com"), policy);
    }

    [Theory]
    [InlineData("sub.example.com", "mx.sub.example.com")]
    [InlineData("example.com", "mx.example.com")]
    [InlineData("a.b.example.org", "mx.b.example.org")]
    public void Per_site_should_match_no_parent_domains_and_no_wildcards(string nexthop, string host)
    {
        TlsPolicyResolver resolver = PerSite(TlsLevel.May, Of(
            (".example.com", "MUST"),
            ("*.example.com", "MUST"),
            ("b.example.org", "MUST"),
            (".b.example.org", "MUST"),
            ("*.b.example.org", "MUST"),
            ("com", "MUST")));

        TlsPolicy policy = resolver.ResolveHost(resolver.ResolveNexthop(nexthop), host);

        Assert.Equal(new TlsPolicy(TlsLevel.May, [], null, null, "global"), policy);
    }

    [Fact]
    public void Keys_and_values_should_compare_without_case_and_host_names_without_a_trailing_dot()
    {
        TlsPolicyResolver resolver = PerSite(TlsLevel.None, Of(("Important.Host", "must"), ("Example.COM", "may")));

        TlsPolicy policy = resolver.ResolveHost(resolver.ResolveNexthop("EXAMPLE.com"), "IMPORTANT.host.");

        Assert.Equal(new TlsPolicy(TlsLevel.Verify, ["important.host"], null, null, "per-site host Important.Host"), policy);
    }

    [Fact]
    public void Malformed_nexthop_entry_should_defer_the_nexthop_and_never_fall_back_to_plaintext()
    {
        TlsPolicyResolver resolver = PerSite(TlsLevel.None, Of((Nexthop, "MUSTT"), (Host, "NONE")));

        SitePolicy nexthopPart = resolver.ResolveNexthop(Nexthop);
        TlsPolicy policy = resolver.ResolveHost(nexthopPart, Host);

        var error = new TlsPolicyError(Nexthop, "MUSTT", "unknown per-site value \"MUSTT\": expected NONE, MAY, MUST or MUST_NOPEERMATCH");
        Assert.Equal(error, nexthopPart.Error);
        Assert.Equal([error], resolver.Errors());
        Assert.Equal(TlsPolicy.Invalid(error, $"per-site nexthop {Nexthop}"), policy);
        Assert.Equal(TlsLevel.Secure, policy.Level);
        Assert.False(policy.IsValid);

        StartTlsDecision decision = TlsDecision.ForNexthop(nexthopPart);
        Assert.Equal(TlsAction.Defer, decision.Action);
        Assert.Equal("4.7.5", decision.Dsn);
        Assert.Equal("client TLS configuration problem", decision.Reason);
        Assert.Contains("MUSTT", decision.LogDetail, StringComparison.Ordinal);
        Assert.Equal(TlsAction.SkipHost, TlsDecision.BeforeConnect(policy).Action);
    }

    [Fact]
    public void Malformed_host_entry_should_skip_only_that_host()
    {
        TlsPolicyResolver resolver = PerSite(TlsLevel.May, Of(("mx1.example.com", "SOMETIMES"), ("mx2.example.com", "MUST")));
        SitePolicy nexthopPart = resolver.ResolveNexthop("example.com");

        TlsPolicy first = resolver.ResolveHost(nexthopPart, "mx1.example.com");
        TlsPolicy second = resolver.ResolveHost(nexthopPart, "mx2.example.com");

        Assert.Null(nexthopPart.Error);
        Assert.Equal(TlsAction.Proceed, TlsDecision.ForNexthop(nexthopPart).Action);
        Assert.Equal("per-site host mx1.example.com", first.Source);
        Assert.Equal("SOMETIMES", first.Error?.Value);
        Assert.Equal(TlsAction.SkipHost, TlsDecision.BeforeConnect(first).Action);
        Assert.Equal(new TlsPolicy(TlsLevel.Verify, ["mx2.example.com"], null, null, "per-site host mx2.example.com"), second);
        Assert.Equal(TlsAction.Proceed, TlsDecision.BeforeConnect(second).Action);
    }

    [Fact]
    public void Keys_that_differ_only_in_case_with_different_values_should_be_refused()
    {
        TlsPolicyResolver resolver = PerSite(TlsLevel.May, Of(("Example.com", "MUST"), ("example.com", "NONE"), ("A.example", "MAY"), ("a.example", "may")));

        TlsPolicyError error = Assert.Single(resolver.Errors());

        Assert.Contains("conflicts with entry", error.Problem, StringComparison.Ordinal);
        Assert.False(resolver.ResolveHost(resolver.ResolveNexthop("example.com"), Host).IsValid);
        Assert.Equal(TlsLevel.May, resolver.ResolveHost(resolver.ResolveNexthop("a.example"), Host).Level);
    }

    [Fact]
    public void Table_should_be_read_afresh_when_its_owner_replaces_it()
    {
        Dictionary<string, string> current = Of((Nexthop, "MUST"));
        var resolver = new TlsPolicyResolver(TlsLevel.May, () => current, null);

        TlsLevel before = resolver.ResolveHost(resolver.ResolveNexthop(Nexthop), Host).Level;
        current = Of((Nexthop, "NONE"), (Host, "bogus"));
        TlsLevel after = resolver.ResolveHost(resolver.ResolveNexthop(Nexthop), "mx.other.example").Level;

        Assert.Equal(TlsLevel.Verify, before);
        Assert.Equal(TlsLevel.None, after);
        Assert.Equal("bogus", Assert.Single(resolver.Errors()).Value);
    }

    [Fact]
    public void Host_part_should_use_the_table_current_when_the_host_is_resolved()
    {
        Dictionary<string, string> current = Of();
        var resolver = new TlsPolicyResolver(TlsLevel.May, () => current, null);
        SitePolicy nexthopPart = resolver.ResolveNexthop(Nexthop);

        current = Of((Host, "MUST_NOPEERMATCH"));

        Assert.Equal(TlsLevel.Encrypt, resolver.ResolveHost(nexthopPart, Host).Level);
    }
}
