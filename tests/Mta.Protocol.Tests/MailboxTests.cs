namespace Mta.Protocol.Tests;

public sealed class MailboxTests
{
    [Theory]
    [InlineData("alice@example.org", "alice", "example.org")]
    [InlineData("first.last+tag@sub.example.org", "first.last+tag", "sub.example.org")]
    [InlineData("!#$%&'*+-/=?^_`{|}~@example.org", "!#$%&'*+-/=?^_`{|}~", "example.org")]
    [InlineData("user@localhost", "user", "localhost")]
    [InlineData("user@a-b.c1", "user", "a-b.c1")]
    [InlineData("\"john doe\"@example.org", "\"john doe\"", "example.org")]
    [InlineData("\"a\\\"b\\\\c\"@example.org", "\"a\\\"b\\\\c\"", "example.org")]
    [InlineData("\"@<>,;:\"@example.org", "\"@<>,;:\"", "example.org")]
    [InlineData("\"\"@example.org", "\"\"", "example.org")]
    [InlineData("user@[192.0.2.1]", "user", "[192.0.2.1]")]
    [InlineData("user@[255.255.255.255]", "user", "[255.255.255.255]")]
    [InlineData("user@[IPv6:2001:db8::1]", "user", "[IPv6:2001:db8::1]")]
    [InlineData("user@[ipv6:::1]", "user", "[ipv6:::1]")]
    [InlineData("user@[IPv6:::ffff:192.0.2.1]", "user", "[IPv6:::ffff:192.0.2.1]")]
    [InlineData("пользователь@пример.рф", "пользователь", "пример.рф")]
    [InlineData("用户@例子.广告", "用户", "例子.广告")]
    [InlineData("\"ü ü\"@example.org", "\"ü ü\"", "example.org")]
    public void Valid_mailbox_should_parse_into_its_parts_as_written(string text, string local, string domain)
    {
        Assert.True(Mailbox.TryParse(text, out Mailbox? mailbox));
        Assert.Equal(local, mailbox.LocalPart);
        Assert.Equal(domain, mailbox.Domain);
        Assert.Equal(text, mailbox.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("alice")]
    [InlineData("@example.org")]
    [InlineData("alice@")]
    [InlineData("alice@@example.org")]
    [InlineData("a b@example.org")]
    [InlineData(".alice@example.org")]
    [InlineData("alice.@example.org")]
    [InlineData("al..ice@example.org")]
    [InlineData("al(ice)@example.org")]
    [InlineData("alice@example..org")]
    [InlineData("alice@.example.org")]
    [InlineData("alice@example.org.")]
    [InlineData("alice@-example.org")]
    [InlineData("alice@example-.org")]
    [InlineData("alice@exa_mple.org")]
    [InlineData("alice@exa mple.org")]
    [InlineData("\"unterminated@example.org")]
    [InlineData("\"a\"b@example.org")]
    [InlineData("\"tab\there\"@example.org")]
    [InlineData("\"bad\\\u00e9\"@example.org")]
    [InlineData("alice@[192.0.2]")]
    [InlineData("alice@[192.0.2.1.5]")]
    [InlineData("alice@[256.0.0.1]")]
    [InlineData("alice@[1234.0.0.1]")]
    [InlineData("alice@[0x1.0.0.1]")]
    [InlineData("alice@[192.0.2.1")]
    [InlineData("alice@[]")]
    [InlineData("alice@[IPv6:]")]
    [InlineData("alice@[IPv6:zz::1]")]
    [InlineData("alice@[IPv6:192.0.2.1]")]
    [InlineData("alice@[IPv6:fe80::1%eth0]")]
    [InlineData("alice@[tag:content]")]
    [InlineData("alice@[192.0.2.1]x")]
    [InlineData("ali\u0085ce@example.org")]
    public void Invalid_mailbox_should_not_parse(string text)
    {
        Assert.False(Mailbox.TryParse(text, out Mailbox? mailbox));
        Assert.Null(mailbox);
    }

    [Fact]
    public void Lone_surrogate_should_not_parse()
    {
        Assert.False(Mailbox.TryParse("ali\ud800ce@example.org", out _));
        Assert.False(Mailbox.TryParse("alice@exam\udc00ple.org", out _));
        Assert.True(Mailbox.TryParse("ali\ud83d\ude00ce@example.org", out _));
    }

    [Fact]
    public void Size_limits_should_follow_rfc_5321()
    {
        string label63 = new('d', 63);
        string domain189 = $"{label63}.{label63}.{new string('d', 61)}";
        Assert.Equal(189, domain189.Length);

        Assert.True(Mailbox.TryParse(new string('l', 64) + "@example.org", out _));
        Assert.False(Mailbox.TryParse(new string('l', 65) + "@example.org", out _));
        Assert.True(Mailbox.TryParse($"user@{label63}.org", out _));
        Assert.False(Mailbox.TryParse($"user@{label63}d.org", out _));

        // The path "<local@domain>" may have 256 octets, so the mailbox at most 254.
        Assert.True(Mailbox.TryParse(new string('l', 64) + "@" + domain189, out _));
        Assert.False(Mailbox.TryParse(new string('l', 64) + "@" + domain189 + "d", out _));

        // Octets, not characters: 32 two-octet characters fill the local part.
        Assert.True(Mailbox.TryParse(new string('é', 32) + "@example.org", out _));
        Assert.False(Mailbox.TryParse(new string('é', 33) + "@example.org", out _));
    }

    [Theory]
    [InlineData("alice@example.org", false)]
    [InlineData("\"a b\"@[192.0.2.1]", false)]
    [InlineData("jörg@example.org", true)]
    [InlineData("alice@bücher.example", true)]
    public void IsUtf8_should_tell_whether_smtputf8_is_needed(string text, bool utf8)
    {
        Assert.True(Mailbox.TryParse(text, out Mailbox? mailbox));
        Assert.Equal(utf8, mailbox.IsUtf8);
    }

    [Theory]
    [InlineData("postmaster@example.org", true)]
    [InlineData("PostMaster@example.org", true)]
    [InlineData("\"postmaster\"@example.org", false)]
    [InlineData("postmasters@example.org", false)]
    public void IsPostmaster_should_match_the_unquoted_local_part_in_any_case(string text, bool postmaster)
    {
        Assert.True(Mailbox.TryParse(text, out Mailbox? mailbox));
        Assert.Equal(postmaster, mailbox.IsPostmaster);
    }

    [Fact]
    public void Mailbox_without_domain_should_print_as_its_local_part()
    {
        var postmaster = new Mailbox("Postmaster", string.Empty);

        Assert.Equal("Postmaster", postmaster.ToString());
        Assert.True(postmaster.IsPostmaster);
        Assert.Equal(new Mailbox("Postmaster", string.Empty), postmaster);
    }

    [Theory]
    [InlineData("example.org", true)]
    [InlineData("[192.0.2.1]", true)]
    [InlineData("[IPv6:2001:db8::1]", true)]
    [InlineData("xn--bcher-kva.example", true)]
    [InlineData("", false)]
    [InlineData("exa!mple.org", false)]
    [InlineData("[example.org]", false)]
    public void IsValidDomain_should_accept_names_and_address_literals(string domain, bool valid)
    {
        Assert.Equal(valid, Mailbox.IsValidDomain(domain));
    }
}
