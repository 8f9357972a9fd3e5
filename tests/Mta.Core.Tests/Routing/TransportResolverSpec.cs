using Akka.Configuration;
using Mta.Core.Configuration;
using Mta.Core.Routing;
using Xunit;

namespace Mta.Core.Tests.Routing;

public sealed class TransportResolverSpec
{
    private static TransportResolver FromHocon(string hocon) =>
        TransportResolver.Create(MtaSettings.Create(ConfigurationFactory.ParseString(hocon)));

    [Theory]
    [InlineData("example.com", "example.com")]
    [InlineData("Example.COM.", "example.com")]
    [InlineData(" mx.Example.org ", "mx.example.org")]
    public void Without_table_or_relayhost_mail_should_go_to_the_recipient_domains_mx_hosts(string domain, string expected)
    {
        NextHop hop = FromHocon(string.Empty).Resolve(domain);

        Assert.Equal(new NextHop(expected, expected, 25, MxLookup: true, Local: false), hop);
    }

    [Fact]
    public void The_recipient_domain_should_use_the_configured_smtp_port()
    {
        NextHop hop = FromHocon("mta.smtp.port = 2525").Resolve("example.com");

        Assert.Equal(2525, hop.Port);
        Assert.Equal("example.com", hop.Name);
    }

    [Theory]
    [InlineData("[relay.example.net]:587", "[relay.example.net]:587", "relay.example.net", 587, false)]
    [InlineData("[relay.example.net]", "[relay.example.net]", "relay.example.net", 25, false)]
    [InlineData("relay.example.net:587", "relay.example.net:587", "relay.example.net", 587, true)]
    [InlineData("relay.example.net", "relay.example.net", "relay.example.net", 25, true)]
    [InlineData("[192.0.2.25]", "[192.0.2.25]", "192.0.2.25", 25, false)]
    public void A_relayhost_should_take_every_domain_the_table_does_not_route(string relayhost, string name, string host, int port, bool mxLookup)
    {
        TransportResolver resolver = FromHocon($"mta.smtp.relayhost = \"{relayhost}\"");

        Assert.Equal(new NextHop(name, host, port, mxLookup, false), resolver.Resolve("example.com"));
        Assert.Equal(new NextHop(name, host, port, mxLookup, false), resolver.Resolve("other.example.org"));
    }

    [Fact]
    public void The_transport_table_should_win_over_the_relayhost_and_fall_through_to_it()
    {
        TransportResolver resolver = FromHocon("""
            mta.smtp.relayhost = "[relay.example.net]"
            mta.transport-maps {
              example.com = "smtp:[internal.example.com]:2525"
              ".example.com" = "smtp:"
              local.example = "local:"
            }
            """);

        Assert.Equal("[internal.example.com]:2525", resolver.Resolve("example.com").Name);
        Assert.Equal(NextHop.ForDomain("sub.example.com", 25), resolver.Resolve("Sub.Example.com"));
        Assert.Equal(NextHop.LocalDelivery("local.example"), resolver.Resolve("local.example"));
        Assert.Equal("[relay.example.net]", resolver.Resolve("example.org").Name);
    }

    [Fact]
    public void Without_a_relayhost_unrouted_domains_should_go_to_their_own_mx_hosts()
    {
        TransportResolver resolver = FromHocon("""mta.transport-maps { ".example.com" = "smtp:[gw.example.com]" }""");

        Assert.Equal("[gw.example.com]", resolver.Resolve("a.example.com").Name);
        Assert.Equal(NextHop.ForDomain("example.com", 25), resolver.Resolve("example.com"));
        Assert.Null(resolver.Relayhost);
    }

    [Fact]
    public void A_table_nexthop_without_a_port_should_take_the_smtp_port()
    {
        TransportResolver resolver = FromHocon("""
            mta.smtp.port = 2525
            mta.transport-maps { example.com = "smtp:[gw.example.com]" }
            """);

        Assert.Equal(2525, resolver.Resolve("example.com").Port);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(".")]
    public void An_empty_recipient_domain_should_be_refused(string domain)
    {
        TransportResolver resolver = new(TransportMap.Empty, null, 25);

        Assert.Throws<ArgumentException>(() => resolver.Resolve(domain));
    }
}
