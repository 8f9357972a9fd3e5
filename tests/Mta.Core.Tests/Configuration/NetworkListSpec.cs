using System.Net;
using Mta.Core.Configuration;
using Xunit;
using ConfigurationException = Mta.Core.Configuration.ConfigurationException;

namespace Mta.Core.Tests.Configuration;

public sealed class NetworkListSpec
{
    private const string Key = "mta.mynetworks";

    private static bool Contains(string entry, string address) =>
        NetworkList.Parse([entry], Key).Contains(IPAddress.Parse(address));

    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0", true)]
    [InlineData("10.0.0.0/8", "10.255.255.255", true)]
    [InlineData("10.0.0.0/8", "11.0.0.0", false)]
    [InlineData("10.0.0.0/8", "9.255.255.255", false)]
    [InlineData("192.168.1.0/24", "192.168.1.77", true)]
    [InlineData("192.168.1.0/24", "192.168.2.1", false)]
    [InlineData("192.168.1.128/25", "192.168.1.127", false)]
    [InlineData("192.168.1.128/25", "192.168.1.128", true)]
    [InlineData("172.16.0.0/12", "172.31.255.255", true)]
    [InlineData("172.16.0.0/12", "172.32.0.0", false)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("192.0.2.1", "192.0.2.1", true)]
    [InlineData("192.0.2.1", "192.0.2.2", false)]
    [InlineData("192.0.2.1/32", "192.0.2.1", true)]
    public void Ipv4_networks_should_contain_exactly_their_range(string entry, string address, bool expected)
    {
        Assert.Equal(expected, Contains(entry, address));
    }

    [Theory]
    [InlineData("2001:db8::/32", "2001:db8::1", true)]
    [InlineData("2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true)]
    [InlineData("2001:db8::/32", "2001:db9::", false)]
    [InlineData("2001:db8::/33", "2001:db8:8000::", false)]
    [InlineData("2001:db8::/33", "2001:db8:7fff::", true)]
    [InlineData("[2001:db8::]/32", "2001:db8::5", true)]
    [InlineData("::1/128", "::1", true)]
    [InlineData("::1", "::1", true)]
    [InlineData("[::1]", "::1", true)]
    [InlineData("::1/128", "::2", false)]
    [InlineData("::/0", "fe80::1", true)]
    [InlineData("fd00::/8", "fdff::1", true)]
    [InlineData("fd00::/8", "fe00::1", false)]
    public void Ipv6_networks_should_contain_exactly_their_range(string entry, string address, bool expected)
    {
        Assert.Equal(expected, Contains(entry, address));
    }

    [Theory]
    [InlineData("127.0.0.0/8", "::ffff:127.0.0.1", true)]
    [InlineData("10.0.0.0/8", "::ffff:10.1.2.3", true)]
    [InlineData("10.0.0.0/8", "::ffff:11.1.2.3", false)]
    [InlineData("::ffff:10.0.0.0/104", "10.9.9.9", true)]
    [InlineData("::ffff:10.0.0.0/104", "::ffff:10.9.9.9", true)]
    [InlineData("::/0", "::ffff:10.1.2.3", false)]
    [InlineData("0.0.0.0/0", "2001:db8::1", false)]
    [InlineData("::1/128", "127.0.0.1", false)]
    public void Ipv4_mapped_client_addresses_should_be_looked_up_as_ipv4(string entry, string address, bool expected)
    {
        Assert.Equal(expected, Contains(entry, address));
    }

    [Fact]
    public void A_list_should_contain_what_any_entry_contains()
    {
        NetworkList list = NetworkList.Parse(["127.0.0.0/8", "::1/128", "192.0.2.0/24"], Key);

        Assert.True(list.Contains(IPAddress.Loopback));
        Assert.True(list.Contains(IPAddress.IPv6Loopback));
        Assert.True(list.Contains(IPAddress.Parse("192.0.2.200")));
        Assert.False(list.Contains(IPAddress.Parse("198.51.100.1")));
        Assert.False(list.Contains(IPAddress.IPv6Any));
        Assert.False(NetworkList.Empty.Contains(IPAddress.Loopback));
    }

    [Fact]
    public void Entries_should_be_canonical()
    {
        NetworkList list = NetworkList.Parse(["192.0.2.1", "[2001:DB8::]/32", "::ffff:10.0.0.0/104", " 10.0.0.0/8 "], Key);

        Assert.Equal(["192.0.2.1/32", "2001:db8::/32", "10.0.0.0/8", "10.0.0.0/8"], list.Entries);
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("2001:db8::/129")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0.0/8/8")]
    [InlineData("10.0.0")]
    [InlineData("10")]
    [InlineData("256.0.0.0/8")]
    [InlineData("010.0.0.0/8")]
    [InlineData("example.com")]
    [InlineData("fe80::1%eth0")]
    [InlineData("10.0.0.0/ 8")]
    [InlineData("[10.0.0.0]/8 junk")]
    [InlineData("[::1]:80")]
    [InlineData("[[::1]]")]
    public void Invalid_entries_should_be_refused_naming_key_and_entry(string entry)
    {
        var error = Assert.Throws<ConfigurationException>(() => NetworkList.Parse(["127.0.0.0/8", entry], Key));

        Assert.Equal(Key, error.Key);
        Assert.Contains($"'{entry}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(Key, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.1.2.3/8", "10.0.0.0/8")]
    [InlineData("192.168.1.1/24", "192.168.1.0/24")]
    [InlineData("2001:db8::1/32", "2001:db8::/32")]
    public void Entries_with_host_bits_should_be_refused_with_the_network_they_probably_mean(string entry, string network)
    {
        var error = Assert.Throws<ConfigurationException>(() => NetworkList.Parse([entry], Key));

        Assert.Contains($"did you mean '{network}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Contains_should_not_allocate()
    {
        NetworkList list = NetworkList.Parse(["10.0.0.0/8", "2001:db8::/32"], Key);
        IPAddress[] addresses = [IPAddress.Parse("10.1.2.3"), IPAddress.Parse("::ffff:10.1.2.3"), IPAddress.Parse("2001:db8::1"), IPAddress.Parse("192.0.2.1")];
        foreach (IPAddress address in addresses)
        {
            list.Contains(address);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        int hits = 0;
        for (int i = 0; i < 1000; i++)
        {
            foreach (IPAddress address in addresses)
            {
                hits += list.Contains(address) ? 1 : 0;
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(3000, hits);
    }
}
