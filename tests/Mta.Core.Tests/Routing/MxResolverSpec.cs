using System.Net;
using Mta.Core.Routing;
using Xunit;

namespace Mta.Core.Tests.Routing;

/// <summary>The zone every MxResolver test asks: one private dnsmasq for the test class.</summary>
public sealed class MxTestZone : IDisposable
{
    /// <summary>The name this server goes by in the zone.</summary>
    public const string MyHostname = "self.test";

    /// <summary>An address of this server that is not published under <see cref="MyHostname"/>.</summary>
    public static readonly IPAddress MyAddress = IPAddress.Parse("127.0.0.99");

    private readonly DnsmasqServer _server = DnsmasqServer.Start(
    [
        // Three MX hosts: one best, two equal; A-only, dual-stack, A-only.
        "--mx-host=example.test,mx1.example.test,10",
        "--mx-host=example.test,mx2.example.test,20",
        "--mx-host=example.test,mx3.example.test,20",
        "--host-record=mx1.example.test,127.0.0.11",
        "--host-record=mx2.example.test,127.0.0.12,::12",
        "--host-record=mx3.example.test,127.0.0.13",

        // No MX: the domain's own addresses are the implicit MX.
        "--host-record=implicit.test,127.0.0.20,::20",

        // Null MX (RFC 7505).
        "--mx-host=nullmx.test,.,0",

        // This server, by name and by an address published under another name.
        "--host-record=self.test,127.0.0.50",
        "--mx-host=loopname.test,self.test,10",
        "--mx-host=loopaddr.test,mx.loopaddr.test,10",
        "--host-record=mx.loopaddr.test,127.0.0.99",

        // A backup MX that is this server: only the better host is used.
        "--mx-host=backup.test,primary.backup.test,10",
        "--mx-host=backup.test,self.test,20",
        "--mx-host=backup.test,worse.backup.test,30",
        "--host-record=primary.backup.test,127.0.0.31",
        "--host-record=worse.backup.test,127.0.0.32",

        // A backup MX that is this server and a primary without an address.
        "--mx-host=noprimary.test,gone.noprimary.test,10",
        "--mx-host=noprimary.test,self.test,20",

        // MX hosts without addresses: a name that does not exist, and one with only a TXT record.
        "--mx-host=dangling.test,missing.dangling.test,10",
        "--mx-host=noaddr.test,host.noaddr.test,10",
        "--txt-record=host.noaddr.test,no address here",

        // One MX host without an address, one with: the working one is used.
        "--mx-host=partial.test,missing.partial.test,10",
        "--mx-host=partial.test,ok.partial.test,20",
        "--host-record=ok.partial.test,127.0.0.61",

        // An MX host that is an alias.
        "--mx-host=alias.test,mail.alias.test,10",
        "--cname=mail.alias.test,real.alias.test",
        "--host-record=real.alias.test,127.0.0.71",

        // IPv6 only.
        "--host-record=v6only.test,2001:db8::25",
    ]);

    /// <summary>The zone's server.</summary>
    public IPEndPoint EndPoint => _server.EndPoint;

    public void Dispose() => _server.Dispose();
}

public sealed class MxResolverSpec(MxTestZone zone) : IClassFixture<MxTestZone>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromMilliseconds(150);

    private MxResolver Resolver(Random? random = null) =>
        new([zone.EndPoint], Timeout, MxTestZone.MyHostname, [MxTestZone.MyAddress], random ?? new Random(1));

    private static IPAddress[] Addresses(params string[] addresses) => [.. addresses.Select(IPAddress.Parse)];

    [Fact]
    public async Task Mx_hosts_should_come_in_preference_order_with_their_a_and_aaaa_addresses()
    {
        HostResolution result = await Resolver().ResolveAsync(NextHop.ForDomain("example.test", 25), CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
        Assert.Null(result.Dsn);
        Assert.False(result.Permanent);
        Assert.Equal(["mx1.example.test", "mx2.example.test", "mx3.example.test"], result.Hosts.Select(host => host.HostName).Order());
        Assert.Equal("mx1.example.test", result.Hosts[0].HostName);
        Assert.Equal(Addresses("127.0.0.11"), result.Hosts[0].Addresses);
        Assert.Equal([10, 20, 20], result.Hosts.Select(host => host.Preference));
        MxHost dual = Assert.Single(result.Hosts, host => host.HostName == "mx2.example.test");
        Assert.Equal(Addresses("127.0.0.12", "::12"), dual.Addresses);
        Assert.Equal(Addresses("127.0.0.13"), Assert.Single(result.Hosts, host => host.HostName == "mx3.example.test").Addresses);
    }

    [Fact]
    public async Task Equal_preferences_should_be_shuffled_and_better_ones_never()
    {
        MxResolver resolver = Resolver(new Random(7));
        var secondPlaces = new HashSet<string>();
        for (int i = 0; i < 16; i++)
        {
            HostResolution result = await resolver.ResolveAsync(NextHop.ForDomain("example.test", 25), CancellationToken.None);
            Assert.Equal("mx1.example.test", result.Hosts[0].HostName);
            secondPlaces.Add(result.Hosts[1].HostName);
        }

        Assert.Equal(["mx2.example.test", "mx3.example.test"], secondPlaces.Order());
    }

    [Fact]
    public async Task A_domain_without_mx_records_should_be_its_own_mail_exchanger()
    {
        HostResolution result = await Resolver().ResolveAsync(NextHop.ForDomain("implicit.test", 25), CancellationToken.None);

        MxHost host = Assert.Single(result.Hosts);
        Assert.Equal("implicit.test", host.HostName);
        Assert.Equal(0, host.Preference);
        Assert.Equal(Addresses("127.0.0.20", "::20"), host.Addresses);
    }

    [Fact]
    public async Task A_bracketed_host_should_use_its_own_addresses_and_no_mx()
    {
        NextHop hop = new("[mx2.example.test]:587", "mx2.example.test", 587, MxLookup: false, Local: false);

        HostResolution result = await Resolver().ResolveAsync(hop, CancellationToken.None);

        MxHost host = Assert.Single(result.Hosts);
        Assert.Equal("mx2.example.test", host.HostName);
        Assert.Equal(Addresses("127.0.0.12", "::12"), host.Addresses);
    }

    [Fact]
    public async Task A_bracketed_domain_with_only_mx_records_should_have_no_address()
    {
        NextHop hop = new("[example.test]", "example.test", 25, MxLookup: false, Local: false);

        HostResolution result = await Resolver().ResolveAsync(hop, CancellationToken.None);

        Assert.Equal("5.4.4", result.Dsn);
        Assert.True(result.Permanent);
        Assert.Equal("Host or domain name not found. Name service error for name=example.test type=AAAA: Host found but no data record of requested type", result.Error);
    }

    [Theory]
    [InlineData("192.0.2.25", "192.0.2.25")]
    [InlineData("2001:db8::25", "2001:db8::25")]
    public async Task An_address_literal_should_need_no_dns(string literal, string expected)
    {
        using StubDnsServer refusing = StubDnsServer.Answering(5);
        var resolver = new MxResolver([refusing.EndPoint], Timeout, MxTestZone.MyHostname, [MxTestZone.MyAddress]);

        HostResolution result = await resolver.ResolveAsync(new NextHop($"[{literal}]", literal, 25, false, false), CancellationToken.None);

        Assert.Equal(Addresses(expected), Assert.Single(result.Hosts).Addresses);
        Assert.Equal(0, refusing.Answered);
    }

    [Fact]
    public async Task An_ipv6_only_host_should_resolve_to_its_aaaa_address()
    {
        HostResolution result = await Resolver().ResolveAsync(NextHop.ForDomain("v6only.test", 25), CancellationToken.None);

        Assert.Equal(Addresses("2001:db8::25"), Assert.Single(result.Hosts).Addresses);
    }

    [Fact]
    public async Task An_mx_host_behind_a_cname_should_resolve_to_the_alias_target_addresses()
    {
        HostResolution result = await Resolver().ResolveAsync(NextHop.ForDomain("alias.test", 25), CancellationToken.None);

        MxHost host = Assert.Single(result.Hosts);
        Assert.Equal("mail.alias.test", host.HostName);
        Assert.Equal(Addresses("127.0.0.71"), host.Addresses);
    }

    [Fact]
    public async Task A_domain_that_does_not_exist_should_bounce_with_5_4_4()
    {
        HostResolution result = await Resolver().ResolveAsync(NextHop.ForDomain("nonexistent.test", 25), CancellationToken.None);

        Assert.Empty(result.Hosts);
        Assert.False(result.Succeeded);
        Assert.True(result.Permanent);
        Assert.Equal("5.4.4", result.Dsn);
        Assert.Equal("Host or domain name not found. Name service error for name=nonexistent.test type=MX: Host not found", result.Error);
    }

    [Fact]
    public async Task A_null_mx_should_bounce_with_5_1_10()
    {
        HostResolution result = await Resolver().ResolveAsync(NextHop.ForDomain("nullmx.test", 25), CancellationToken.None);

        Assert.True(result.Permanent);
        Assert.Equal("5.1.10", result.Dsn);
        Assert.Equal("Domain nullmx.test does not accept mail (nullMX)", result.Error);
    }

    [Fact]
    public async Task An_mx_host_named_like_this_server_should_be_a_loop()
    {
        HostResolution result = await Resolver().ResolveAsync(NextHop.ForDomain("loopname.test", 25), CancellationToken.None);

        Assert.True(result.Permanent);
        Assert.Equal("5.4.6", result.Dsn);
        Assert.Equal("mail for loopname.test loops back to myself", result.Error);
    }

    [Fact]
    public async Task An_mx_host_with_an_address_of_this_server_should_be_a_loop()
    {
        HostResolution result = await Resolver().ResolveAsync(NextHop.ForDomain("loopaddr.test", 25), CancellationToken.None);

        Assert.Equal("5.4.6", result.Dsn);
        Assert.Equal("mail for loopaddr.test loops back to myself", result.Error);
    }

    [Fact]
    public async Task An_ipv4_mapped_address_of_this_server_should_be_recognised()
    {
        var resolver = new MxResolver([zone.EndPoint], Timeout, "other.test", [MxTestZone.MyAddress.MapToIPv6()]);

        HostResolution result = await resolver.ResolveAsync(NextHop.ForDomain("loopaddr.test", 25), CancellationToken.None);

        Assert.Equal("5.4.6", result.Dsn);
    }

    [Fact]
    public async Task A_bracketed_nexthop_that_is_this_server_should_be_a_loop()
    {
        HostResolution result = await Resolver().ResolveAsync(new NextHop("[self.test]", "self.test", 25, false, false), CancellationToken.None);

        Assert.Equal("5.4.6", result.Dsn);
        Assert.Equal("mail for self.test loops back to myself", result.Error);
    }

    [Fact]
    public async Task A_nexthop_on_another_port_should_not_be_checked_for_loops()
    {
        HostResolution result = await Resolver().ResolveAsync(new NextHop("[self.test]:10025", "self.test", 10025, false, false), CancellationToken.None);

        Assert.Equal(Addresses("127.0.0.50"), Assert.Single(result.Hosts).Addresses);
    }

    [Fact]
    public async Task As_a_backup_mx_only_better_mx_hosts_should_be_used()
    {
        HostResolution result = await Resolver().ResolveAsync(NextHop.ForDomain("backup.test", 25), CancellationToken.None);

        MxHost host = Assert.Single(result.Hosts);
        Assert.Equal("primary.backup.test", host.HostName);
        Assert.Equal(10, host.Preference);
    }

    [Fact]
    public async Task Without_this_server_in_the_list_every_mx_host_should_be_used()
    {
        var resolver = new MxResolver([zone.EndPoint], Timeout, "elsewhere.test", []);

        HostResolution result = await resolver.ResolveAsync(NextHop.ForDomain("backup.test", 25), CancellationToken.None);

        Assert.Equal(["primary.backup.test", "self.test", "worse.backup.test"], result.Hosts.Select(host => host.HostName));
    }

    [Fact]
    public async Task As_a_backup_mx_whose_primary_has_no_address_delivery_should_wait()
    {
        HostResolution result = await Resolver().ResolveAsync(NextHop.ForDomain("noprimary.test", 25), CancellationToken.None);

        Assert.False(result.Permanent);
        Assert.Equal("4.4.4", result.Dsn);
        Assert.Equal("unable to find primary relay for noprimary.test", result.Error);
    }

    [Fact]
    public async Task An_mx_host_that_does_not_exist_should_bounce_with_its_lookup_error()
    {
        HostResolution result = await Resolver().ResolveAsync(NextHop.ForDomain("dangling.test", 25), CancellationToken.None);

        Assert.True(result.Permanent);
        Assert.Equal("5.4.4", result.Dsn);
        Assert.Equal("Host or domain name not found. Name service error for name=missing.dangling.test type=AAAA: Host not found", result.Error);
    }

    [Fact]
    public async Task An_mx_host_without_addresses_should_bounce_with_no_data()
    {
        HostResolution result = await Resolver().ResolveAsync(NextHop.ForDomain("noaddr.test", 25), CancellationToken.None);

        Assert.Equal("5.4.4", result.Dsn);
        Assert.Equal("Host or domain name not found. Name service error for name=host.noaddr.test type=AAAA: Host found but no data record of requested type", result.Error);
    }

    [Fact]
    public async Task An_mx_host_without_addresses_should_be_skipped_when_another_has_some()
    {
        HostResolution result = await Resolver().ResolveAsync(NextHop.ForDomain("partial.test", 25), CancellationToken.None);

        MxHost host = Assert.Single(result.Hosts);
        Assert.Equal("ok.partial.test", host.HostName);
        Assert.Equal(20, host.Preference);
    }

    [Theory]
    [InlineData("EXAMPLE.test.")]
    [InlineData(" example.test ")]
    public async Task Names_should_be_looked_up_ignoring_case_and_a_trailing_dot(string domain)
    {
        HostResolution result = await Resolver().ResolveAsync(new NextHop(domain, domain, 25, true, false), CancellationToken.None);

        Assert.Equal(3, result.Hosts.Count);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public async Task A_failing_resolver_should_defer_with_4_4_3(byte responseCode)
    {
        using StubDnsServer failing = StubDnsServer.Answering(responseCode);
        var resolver = new MxResolver([failing.EndPoint], Timeout, MxTestZone.MyHostname, []);

        HostResolution result = await resolver.ResolveAsync(NextHop.ForDomain("example.test", 25), CancellationToken.None);

        Assert.False(result.Permanent);
        Assert.Equal("4.4.3", result.Dsn);
        Assert.Equal("Host or domain name not found. Name service error for name=example.test type=MX: Host not found, try again", result.Error);
        Assert.True(failing.Answered > 0);
    }

    [Fact]
    public async Task A_resolver_that_does_not_answer_should_defer_with_4_4_3()
    {
        using StubDnsServer silent = StubDnsServer.Silent();
        var resolver = new MxResolver([silent.EndPoint], ShortTimeout, MxTestZone.MyHostname, []);

        HostResolution result = await resolver.ResolveAsync(NextHop.ForDomain("example.test", 25), CancellationToken.None);

        Assert.False(result.Permanent);
        Assert.Equal("4.4.3", result.Dsn);
        Assert.EndsWith("type=MX: Host not found, try again", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bracketed_host_whose_resolver_fails_should_defer_with_4_4_3()
    {
        using StubDnsServer failing = StubDnsServer.Answering(2);
        var resolver = new MxResolver([failing.EndPoint], Timeout, MxTestZone.MyHostname, []);

        HostResolution result = await resolver.ResolveAsync(new NextHop("[mx1.example.test]", "mx1.example.test", 25, false, false), CancellationToken.None);

        Assert.Equal("4.4.3", result.Dsn);
        Assert.Equal("Host or domain name not found. Name service error for name=mx1.example.test type=AAAA: Host not found, try again", result.Error);
    }

    [Fact]
    public async Task A_resolver_that_fails_should_be_followed_by_the_next_one()
    {
        using StubDnsServer failing = StubDnsServer.Answering(2);
        var resolver = new MxResolver([failing.EndPoint, zone.EndPoint], Timeout, MxTestZone.MyHostname, []);

        HostResolution result = await resolver.ResolveAsync(NextHop.ForDomain("implicit.test", 25), CancellationToken.None);

        Assert.Equal(Addresses("127.0.0.20", "::20"), Assert.Single(result.Hosts).Addresses);
    }

    [Fact]
    public async Task A_name_that_cannot_be_sent_should_bounce_with_5_4_4()
    {
        string name = new string('a', 64) + ".test";

        HostResolution result = await Resolver().ResolveAsync(NextHop.ForDomain(name, 25), CancellationToken.None);

        Assert.True(result.Permanent);
        Assert.Equal("5.4.4", result.Dsn);
        Assert.Equal($"Host or domain name not found. Name service error for name={name} type=MX: Malformed domain name", result.Error);
    }

    [Fact]
    public async Task A_local_nexthop_should_be_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Resolver().ResolveAsync(NextHop.LocalDelivery("example.test"), CancellationToken.None));
    }

    [Fact]
    public async Task A_cancelled_lookup_should_throw()
    {
        using StubDnsServer silent = StubDnsServer.Silent();
        var resolver = new MxResolver([silent.EndPoint], TimeSpan.FromSeconds(30), MxTestZone.MyHostname, []);
        using var cancellation = new CancellationTokenSource();

        Task<HostResolution> lookup = resolver.ResolveAsync(NextHop.ForDomain("example.test", 25), cancellation.Token);
        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => lookup);
    }
}
