using System.Net;
using Mta.Core.Routing;
using Mta.Core.Tests.Configuration;
using Xunit;

namespace Mta.Core.Tests.Routing;

public sealed class ResolvConfSpec
{
    [Fact]
    public void Nameserver_lines_should_be_read_in_order_on_port_53()
    {
        const string text = """
            # generated
            search example.com
            nameserver 192.0.2.1
            ; nameserver 192.0.2.99
            #nameserver 192.0.2.98
            nameserver	2001:db8::53
              nameserver 192.0.2.2   # trailing words are ignored
            options timeout:2 attempts:3
            nameserver resolver.example.com
            nameservers 192.0.2.97
            nameserver
            """;

        Assert.Equal(
            [
                new IPEndPoint(IPAddress.Parse("192.0.2.1"), 53),
                new IPEndPoint(IPAddress.Parse("2001:db8::53"), 53),
                new IPEndPoint(IPAddress.Parse("192.0.2.2"), 53),
            ],
            ResolvConf.ParseNameServers(text));
    }

    [Fact]
    public void A_file_without_nameservers_should_mean_the_local_host()
    {
        using var folder = new TemporaryFolder();
        string path = folder.Write("resolv.conf", "search example.com\n");

        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 53)], ResolvConf.ReadNameServers(path));
    }

    [Fact]
    public void A_missing_file_should_mean_the_local_host()
    {
        using var folder = new TemporaryFolder();

        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 53)], ResolvConf.ReadNameServers(Path.Combine(folder.Path, "absent")));
    }

    [Fact]
    public void A_file_with_nameservers_should_list_them()
    {
        using var folder = new TemporaryFolder();
        string path = folder.Write("resolv.conf", "nameserver 192.0.2.7\n");

        Assert.Equal([new IPEndPoint(IPAddress.Parse("192.0.2.7"), 53)], ResolvConf.ReadNameServers(path));
    }
}
