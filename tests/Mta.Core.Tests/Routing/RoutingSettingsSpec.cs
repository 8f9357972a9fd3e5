using System.Net;
using Akka.Configuration;
using Mta.Core.Configuration;
using Mta.Core.Routing;
using Mta.Core.Tests.Configuration;
using Xunit;
using ConfigurationException = Mta.Core.Configuration.ConfigurationException;

namespace Mta.Core.Tests.Routing;

/// <summary>The routing and DNS keys as MtaSettings reads them: mta.transport-maps, mta.smtp, mta.dns.</summary>
public sealed class RoutingSettingsSpec
{
    private static MtaSettings Create(string hocon) => MtaSettings.Create(ConfigurationFactory.ParseString(hocon));

    private static ConfigurationException Refused(string hocon) => Assert.Throws<ConfigurationException>(() => Create(hocon));

    [Theory]
    [InlineData("192.0.2.53", "192.0.2.53", 53)]
    [InlineData("192.0.2.53:5353", "192.0.2.53", 5353)]
    [InlineData("[2001:db8::53]:5353", "2001:db8::53", 5353)]
    [InlineData("[2001:db8::53]", "2001:db8::53", 53)]
    [InlineData("2001:db8::53", "2001:db8::53", 53)]
    [InlineData("::1", "::1", 53)]
    [InlineData("[192.0.2.53]:54", "192.0.2.53", 54)]
    public void Dns_servers_should_parse_with_port_53_by_default(string text, string address, int port)
    {
        MtaSettings settings = Create($"mta.dns.servers = [\"{text}\"]");

        Assert.Equal([new IPEndPoint(IPAddress.Parse(address), port)], settings.Dns.Servers);
    }

    [Fact]
    public void Dns_servers_should_keep_their_order_and_accept_a_postfix_style_string()
    {
        MtaSettings settings = Create("mta.dns.servers = \"192.0.2.1, 192.0.2.2:5353\"");

        Assert.Equal([new IPEndPoint(IPAddress.Parse("192.0.2.1"), 53), new IPEndPoint(IPAddress.Parse("192.0.2.2"), 5353)], settings.Dns.Servers);
    }

    [Theory]
    [InlineData("resolver.example.com")]
    [InlineData("192.0.2.53:0")]
    [InlineData("192.0.2.53:65536")]
    [InlineData("192.0.2.53:")]
    [InlineData("192.0.2")]
    [InlineData("[2001:db8::53")]
    [InlineData("[2001:db8::53]5353")]
    [InlineData("[2001:db8::53]:")]
    [InlineData("010.0.0.1")]
    public void A_bad_dns_server_should_be_refused_naming_the_key(string text)
    {
        ConfigurationException error = Refused($"mta.dns.servers = [\"{text}\"]");

        Assert.Equal("mta.dns.servers", error.Key);
        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("ip or ip:port", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("2", 2000)]
    [InlineData("1h", 3_600_000)]
    public void The_dns_timeout_should_accept_durations(string text, int milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Create($"mta.dns.timeout = {text}").Dns.Timeout);
    }

    [Theory]
    [InlineData("mta.dns.timeout = 0s", "mta.dns.timeout", "greater than zero")]
    [InlineData("mta.dns.timeout = 2h", "mta.dns.timeout", "from 1ms to 1h")]
    [InlineData("mta.smtp.port = 0", "mta.smtp.port", "from 1 to 65535")]
    [InlineData("mta.smtp.port = 65536", "mta.smtp.port", "from 1 to 65535")]
    [InlineData("mta.smtp.relayhost = \"192.0.2.1\"", "mta.smtp.relayhost", "write it in brackets, as [192.0.2.1]")]
    [InlineData("mta.smtp.relayhost = \"[relay.example.net]:99999\"", "mta.smtp.relayhost", "a port from 1 to 65535")]
    [InlineData("mta.smtp.relayhost = \"smtp:[relay.example.net]\"", "mta.smtp.relayhost", "not a port")]
    [InlineData("mta.smtp.relayhost = [a]", "mta.smtp.relayhost", "it is a list")]
    [InlineData("mta.transport-maps { example.com = \"smtp:[gw\" }", "mta.transport-maps", "no closing ']'")]
    [InlineData("mta.transport-maps = [a]", "mta.transport-maps", "a table")]
    [InlineData("mta.transport-maps = \"regexp:/etc/mta/transport\"", "mta.transport-maps", "table type 'regexp'")]
    public void A_bad_routing_value_should_be_refused_naming_the_key(string hocon, string key, string fragment)
    {
        ConfigurationException error = Refused(hocon);

        Assert.Equal(key, error.Key);
        Assert.Contains($"'{key}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_relayhost_should_mean_none()
    {
        Assert.Null(Create("mta.smtp.relayhost = \"  \"").Smtp.Relayhost);
    }

    [Fact]
    public void The_relayhost_should_take_the_smtp_port_when_it_names_none()
    {
        SmtpSettings smtp = Create("mta.smtp { relayhost = \"[relay.example.net]\", port = 2525 }").Smtp;

        Assert.Equal(new NextHop("[relay.example.net]", "relay.example.net", 2525, false, false), smtp.Relayhost);
        Assert.Equal(2525, smtp.Port);
    }

    [Fact]
    public void A_transport_file_should_resolve_against_the_base_directory()
    {
        using var folder = new TemporaryFolder();
        folder.Write("transport", "example.com smtp:[gw.example.net]\n");

        MtaSettings settings = MtaSettings.Create(ConfigurationFactory.ParseString("mta.transport-maps = \"hash:transport\""), folder.Path);

        Assert.Equal("[gw.example.net]", settings.TransportMaps.Find("example.com")!.For("example.com", 25).Name);
    }

    [Fact]
    public void A_misspelt_routing_key_should_be_named_with_the_closest_valid_key()
    {
        ConfigurationException error = Refused("mta.smtp.relay-host = \"[gw]\"");

        Assert.Equal("mta.smtp.relay-host", error.Key);
        Assert.Contains("'mta.smtp.relayhost'", error.Message, StringComparison.Ordinal);
    }
}
