using Mta.Core.Routing;
using Xunit;

namespace Mta.Core.Tests.Routing;

public sealed class NextHopSyntaxSpec
{
    private const int DefaultPort = 25;

    [Theory]
    [InlineData("[mail.example.com]:587", "[mail.example.com]:587", "mail.example.com", 587, false)]
    [InlineData("[mail.example.com]", "[mail.example.com]", "mail.example.com", DefaultPort, false)]
    [InlineData("mail.example.com:2525", "mail.example.com:2525", "mail.example.com", 2525, true)]
    [InlineData("mail.example.com", "mail.example.com", "mail.example.com", DefaultPort, true)]
    [InlineData("  [Mail.Example.COM.]:25  ", "[mail.example.com]:25", "mail.example.com", 25, false)]
    [InlineData("Example.COM.", "example.com", "example.com", DefaultPort, true)]
    [InlineData("[192.0.2.10]", "[192.0.2.10]", "192.0.2.10", DefaultPort, false)]
    [InlineData("[192.0.2.10]:10025", "[192.0.2.10]:10025", "192.0.2.10", 10025, false)]
    [InlineData("[2001:DB8::1]:587", "[2001:db8::1]:587", "2001:db8::1", 587, false)]
    [InlineData("[::1]", "[::1]", "::1", DefaultPort, false)]
    [InlineData("[gw]:1", "[gw]:1", "gw", 1, false)]
    [InlineData("gw:65535", "gw:65535", "gw", 65535, true)]
    public void A_destination_should_parse_to_its_nexthop(string text, string name, string host, int port, bool mxLookup)
    {
        Assert.True(NextHopSyntax.TryParseDestination(text, DefaultPort, out NextHop? hop, out string? problem), problem);

        Assert.Equal(new NextHop(name, host, port, mxLookup, Local: false), hop);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("[mail.example.com", "no closing ']'")]
    [InlineData("[mail.example.com]587", "after ']'")]
    [InlineData("[mail.example.com]:", "after ']'")]
    [InlineData("[mail.example.com]:0", "after ']'")]
    [InlineData("[mail.example.com]:65536", "after ']'")]
    [InlineData("[mail.example.com]:+25", "after ']'")]
    [InlineData("[mail.example.com]:smtp", "after ']'")]
    [InlineData("[]", "not a host name or IP address")]
    [InlineData("[bad host]", "not a host name or IP address")]
    [InlineData("[ipv6:2001:db8::1]", "not an IPv6 address")]
    [InlineData("[2001:db8::1%eth0]", "not an IPv6 address")]
    [InlineData("mail.example.com:", "not a port")]
    [InlineData("mail.example.com:0", "not a port")]
    [InlineData("mail.example.com:99999", "not a port")]
    [InlineData("mail.example.com:-1", "not a port")]
    [InlineData("2001:db8::1", "must be written in brackets")]
    [InlineData("192.0.2.10", "write it in brackets, as [192.0.2.10]")]
    [InlineData("192.0.2.10:25", "write it in brackets, as [192.0.2.10]")]
    [InlineData("-bad.example.com", "not a host or domain name")]
    [InlineData("bad..example.com", "not a host or domain name")]
    [InlineData("bad host", "not a host or domain name")]
    [InlineData(":25", "not a host or domain name")]
    public void A_bad_destination_should_be_refused_with_the_reason(string text, string reason)
    {
        Assert.False(NextHopSyntax.TryParseDestination(text, DefaultPort, out NextHop? hop, out string? problem));

        Assert.Null(hop);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("smtp:[mail.example.com]:587", "[mail.example.com]:587", 587, false)]
    [InlineData("smtp:[mail.example.com]", "[mail.example.com]", DefaultPort, false)]
    [InlineData("smtp:mail.example.com:2525", "mail.example.com:2525", 2525, true)]
    [InlineData("smtp:mail.example.com", "mail.example.com", DefaultPort, true)]
    [InlineData("SMTP:[mail.example.com]", "[mail.example.com]", DefaultPort, false)]
    [InlineData("relay:[mail.example.com]", "[mail.example.com]", DefaultPort, false)]
    [InlineData(":[mail.example.com]:587", "[mail.example.com]:587", 587, false)]
    [InlineData("smtp:[2001:db8::25]:587", "[2001:db8::25]:587", 587, false)]
    [InlineData(" smtp: [mail.example.com] ", "[mail.example.com]", DefaultPort, false)]
    public void A_transport_with_a_nexthop_should_route_every_domain_there(string text, string name, int port, bool mxLookup)
    {
        Assert.True(NextHopSyntax.TryParseTransport(text, DefaultPort, out TransportRoute? route, out string? problem), problem);

        Assert.False(route.Local);
        NextHop hop = route.For("example.org", DefaultPort);
        Assert.Equal(name, hop.Name);
        Assert.Equal(port, hop.Port);
        Assert.Equal(mxLookup, hop.MxLookup);
        Assert.Same(hop, route.For("another.example", DefaultPort));
    }

    [Theory]
    [InlineData("smtp:")]
    [InlineData("smtp")]
    [InlineData("relay:")]
    [InlineData(":")]
    [InlineData("smtp:   ")]
    public void An_smtp_transport_without_a_nexthop_should_route_to_the_recipient_domain(string text)
    {
        Assert.True(NextHopSyntax.TryParseTransport(text, DefaultPort, out TransportRoute? route, out _));

        Assert.Same(TransportRoute.RecipientDomain, route);
        Assert.Equal(NextHop.ForDomain("example.org", 2525), route.For("example.org", 2525));
    }

    [Theory]
    [InlineData("local:")]
    [InlineData("local")]
    [InlineData("LOCAL:")]
    public void The_local_transport_should_deliver_locally(string text)
    {
        Assert.True(NextHopSyntax.TryParseTransport(text, DefaultPort, out TransportRoute? route, out _));

        NextHop hop = route.For("example.org", DefaultPort);
        Assert.True(hop.Local);
        Assert.Equal(new NextHop("example.org", "example.org", 0, MxLookup: false, Local: true), hop);
    }

    [Theory]
    [InlineData("local:mail.example.com", "the local transport takes no nexthop")]
    [InlineData("lmtp:unix:private/dovecot", "transport 'lmtp' is not supported")]
    [InlineData("error:mail for example.com is not accepted", "transport 'error' is not supported")]
    [InlineData("discard:", "transport 'discard' is not supported")]
    [InlineData("mail.example.com", "transport 'mail.example.com' is not supported")]
    [InlineData("[mail.example.com]:25", "has no transport; write smtp:[mail.example.com]:25")]
    [InlineData("smtp:192.0.2.1", "write it in brackets")]
    [InlineData("smtp:[mail.example.com", "no closing ']'")]
    [InlineData("smtp:mail.example.com:smtp", "not a port")]
    public void A_bad_transport_should_be_refused_with_the_reason(string text, string reason)
    {
        Assert.False(NextHopSyntax.TryParseTransport(text, DefaultPort, out TransportRoute? route, out string? problem));

        Assert.Null(route);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_nexthop_should_print_as_routed()
    {
        Assert.Equal("[mail.example.com]:587", new NextHop("[mail.example.com]:587", "mail.example.com", 587, false, false).ToString());
        Assert.Equal("local:example.org", NextHop.LocalDelivery("example.org").ToString());
    }
}
