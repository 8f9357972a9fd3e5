using System.Net;
using Mta.Core.Ingress;
using Mta.Core.Routing;
using Mta.Core.Tests.Configuration;
using Mta.Core.Tests.Routing;
using Mta.Core.Tests.Support;
using Xunit;

namespace Mta.Core.Tests.Ingress;

/// <summary>
/// The client's host name, Postfix's way: the host table first, then PTR and a forward lookup that
/// must lead back to the address, against dnsmasq on loopback.
/// </summary>
public sealed class ClientNameResolverTests : IClassFixture<ClientNameResolverTests.Zone>, IDisposable
{
    private readonly Zone _zone;
    private readonly TemporaryDirectory _folder = new();
    private readonly RecordingLogger _logger = new();
    private readonly string _hostsPath;

    public ClientNameResolverTests(Zone zone)
    {
        _zone = zone;
        _hostsPath = Path.Combine(_folder.Path, "hosts");
        File.WriteAllText(_hostsPath, """
            127.0.0.1 localhost
            127.0.0.7 listed.hosts.test listed
            """);
    }

    [Theory]
    [InlineData("127.0.0.2", "client.ptr.test")]
    [InlineData("::ffff:127.0.0.2", "client.ptr.test")]
    [InlineData("fd00::25", "v6.ptr.test")]
    [InlineData("127.0.0.1", "localhost")]
    [InlineData("127.0.0.7", "listed.hosts.test")]
    public async Task A_name_that_leads_back_to_the_address_is_the_client_name(string address, string name) =>
        Assert.Equal(name, await Resolver().ResolveAsync(IPAddress.Parse(address), CancellationToken.None));

    [Fact]
    public async Task A_PTR_name_whose_addresses_do_not_include_the_client_is_unknown_with_Postfix_warning()
    {
        Assert.Equal("unknown", await Resolver().ResolveAsync(IPAddress.Parse("127.0.0.3"), CancellationToken.None));

        Assert.Contains(_logger.Entries, e => e.Message == "hostname liar.ptr.test does not resolve to address 127.0.0.3");
    }

    [Fact]
    public async Task A_changed_host_table_is_read_again_once_a_second_has_passed()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var resolver = new ClientNameResolver(null, _hostsPath, clock, _logger);
        Assert.Equal("listed.hosts.test", await resolver.ResolveAsync(IPAddress.Parse("127.0.0.7"), CancellationToken.None));

        File.WriteAllText(_hostsPath, "127.0.0.7 renamed.hosts.test\n");
        File.SetLastWriteTimeUtc(_hostsPath, DateTime.UtcNow.AddMinutes(1));
        Assert.Equal("listed.hosts.test", await resolver.ResolveAsync(IPAddress.Parse("127.0.0.7"), CancellationToken.None));

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("renamed.hosts.test", await resolver.ResolveAsync(IPAddress.Parse("127.0.0.7"), CancellationToken.None));
    }

    [Fact]
    public async Task Without_DNS_an_address_the_host_table_does_not_list_is_unknown() =>
        Assert.Equal("unknown", await new ClientNameResolver(null, _hostsPath, TimeProvider.System, _logger)
            .ResolveAsync(IPAddress.Parse("127.0.0.2"), CancellationToken.None));

    [Theory]
    [InlineData("127.0.0.4")]
    [InlineData("127.0.0.5")]
    public async Task A_malformed_or_numeric_PTR_name_is_unknown(string address)
    {
        Assert.Equal("unknown", await Resolver().ResolveAsync(IPAddress.Parse(address), CancellationToken.None));

        Assert.Contains(_logger.Entries, e => e.Message.StartsWith($"{address}: malformed domain name in resolver result: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_address_without_a_PTR_record_is_unknown()
    {
        Assert.Equal("unknown", await Resolver().ResolveAsync(IPAddress.Parse("127.0.0.99"), CancellationToken.None));
        Assert.Empty(_logger.Entries);
    }

    [Fact]
    public async Task A_DNS_server_that_does_not_answer_leaves_the_name_unknown()
    {
        var silent = new IPEndPoint(IPAddress.Loopback, FreeUdpPort());
        var resolver = new ClientNameResolver(DnsLookup.Create([silent], TimeSpan.FromMilliseconds(200)), null, TimeProvider.System, _logger);

        Assert.Equal("unknown", await resolver.ResolveAsync(IPAddress.Parse("127.0.0.2"), CancellationToken.None));
    }

    [Fact]
    public async Task Without_lookups_every_client_is_unknown()
    {
        Assert.False(ClientNameResolver.None.Enabled);
        Assert.Equal("unknown", await ClientNameResolver.None.ResolveAsync(IPAddress.Loopback, CancellationToken.None));
    }

    [Theory]
    [InlineData("mail.example.org", true)]
    [InlineData("a-b.c_d.example", true)]
    [InlineData("xn--bcher-kva.example", true)]
    [InlineData("host", true)]
    [InlineData("192.0.2.1", false)]
    [InlineData("12345", false)]
    [InlineData("-bad.example", false)]
    [InlineData("bad-.example", false)]
    [InlineData("double..dot", false)]
    [InlineData("spa ce.example", false)]
    [InlineData("", false)]
    public void Host_names_are_checked_as_Postfix_checks_them(string name, bool valid) =>
        Assert.Equal(valid, ClientNameResolver.IsValidHostName(name));

    [Fact]
    public void Overlong_labels_and_names_are_refused()
    {
        Assert.False(ClientNameResolver.IsValidHostName(new string('a', 64) + ".example"));
        Assert.True(ClientNameResolver.IsValidHostName(new string('a', 63) + ".example"));
        Assert.False(ClientNameResolver.IsValidHostName(string.Join('.', Enumerable.Repeat("abcdefghi", 26))));
    }

    public void Dispose() => _folder.Dispose();

    private ClientNameResolver Resolver() =>
        new(DnsLookup.Create([_zone.Dns.EndPoint], TimeSpan.FromSeconds(2)), _hostsPath, TimeProvider.System, _logger);

    private static int FreeUdpPort()
    {
        using var socket = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.Client.LocalEndPoint!).Port;
    }

    /// <summary>dnsmasq serving the PTR and address records the tests ask for.</summary>
    public sealed class Zone : IDisposable
    {
        public Zone()
        {
            Dns = DnsmasqServer.Start(
            [
                "--local=/127.in-addr.arpa/",
                "--local=/d.f.ip6.arpa/",
                // host-record makes the A or AAAA record and the PTR record that matches it.
                "--host-record=client.ptr.test,127.0.0.2",
                "--host-record=v6.ptr.test,fd00::25",
                "--ptr-record=3.0.0.127.in-addr.arpa,liar.ptr.test",
                "--host-record=liar.ptr.test,127.0.0.33",
                "--ptr-record=4.0.0.127.in-addr.arpa,bad_name-.ptr.test",
                "--ptr-record=5.0.0.127.in-addr.arpa,10.20.30.40",
            ]);
        }

        internal DnsmasqServer Dns { get; }

        public void Dispose() => Dns.Dispose();
    }
}
