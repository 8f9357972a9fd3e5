using System.Net;
using Mta.Core.Routing;
using Xunit;

namespace Mta.Core.Tests.Routing;

public sealed class HostsFileTests
{
    private const string Table = """
        # The usual first lines
        127.0.0.1	localhost
        127.0.1.1	box.example.org box   # the machine itself
        ::1     localhost ip6-localhost ip6-loopback
        192.0.2.10 mail.example.org. smtp.example.org
        192.0.2.10 second.example.org
        192.0.2.11 mail.example.org
        not-an-address ignored.example.org
        2001:db8::25 v6.example.org
        """;

    private readonly HostsFile _hosts = HostsFile.Parse(Table);

    [Theory]
    [InlineData("127.0.0.1", "localhost")]
    [InlineData("127.0.1.1", "box.example.org")]
    [InlineData("::1", "localhost")]
    [InlineData("192.0.2.10", "mail.example.org")]
    [InlineData("2001:db8::25", "v6.example.org")]
    [InlineData("::ffff:192.0.2.10", "mail.example.org")]
    public void The_first_name_on_the_first_line_of_an_address_is_its_name(string address, string name) =>
        Assert.Equal(name, _hosts.NameOf(IPAddress.Parse(address)));

    [Theory]
    [InlineData("192.0.2.99")]
    [InlineData("2001:db8::26")]
    public void An_address_the_table_does_not_list_has_no_name(string address) =>
        Assert.Null(_hosts.NameOf(IPAddress.Parse(address)));

    [Fact]
    public void A_name_has_every_address_the_table_gives_it_whatever_its_case_and_trailing_dot()
    {
        Assert.Equal([IPAddress.Parse("192.0.2.10"), IPAddress.Parse("192.0.2.11")], _hosts.AddressesOf("MAIL.example.org."));
        Assert.Equal([IPAddress.Parse("127.0.0.1"), IPAddress.Parse("::1")], _hosts.AddressesOf("localhost"));
        Assert.Equal([IPAddress.Parse("127.0.1.1")], _hosts.AddressesOf("box"));
    }

    [Theory]
    [InlineData("ignored.example.org")]
    [InlineData("the")]
    [InlineData("machine")]
    [InlineData("nowhere.example.org")]
    public void Comments_lines_without_an_address_and_unknown_names_give_nothing(string name) =>
        Assert.Empty(_hosts.AddressesOf(name));

    [Fact]
    public void An_empty_table_has_no_entries()
    {
        Assert.Null(HostsFile.Empty.NameOf(IPAddress.Loopback));
        Assert.Empty(HostsFile.Empty.AddressesOf("localhost"));
    }
}
