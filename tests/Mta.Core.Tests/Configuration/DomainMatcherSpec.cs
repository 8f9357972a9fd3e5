using Mta.Core.Configuration;
using Xunit;
using ConfigurationException = Mta.Core.Configuration.ConfigurationException;

namespace Mta.Core.Tests.Configuration;

public sealed class DomainMatcherSpec
{
    private const string Key = "mta.relay-domains";

    private readonly DomainMatcher _matcher = DomainMatcher.Parse(["example.com", ".example.net", "Example.ORG."], Key);

    [Theory]
    [InlineData("example.com", true)]
    [InlineData("EXAMPLE.COM", true)]
    [InlineData("example.com.", true)]
    [InlineData("mail.example.com", false)]
    [InlineData("notexample.com", false)]
    [InlineData("example.com.evil", false)]
    [InlineData("example.net", false)]
    [InlineData("mail.example.net", true)]
    [InlineData("a.b.example.net", true)]
    [InlineData("Mail.Example.NET.", true)]
    [InlineData("badexample.net", false)]
    [InlineData("example.org", true)]
    [InlineData("", false)]
    [InlineData(".", false)]
    [InlineData(".example.net", false)]
    public void Matches_should_follow_relay_domains_semantics(string domain, bool expected)
    {
        Assert.Equal(expected, _matcher.Matches(domain));
    }

    [Fact]
    public void Entries_should_be_lower_case_without_trailing_dots()
    {
        Assert.Equal(["example.com", ".example.net", "example.org"], _matcher.Entries);
    }

    [Fact]
    public void An_empty_matcher_should_match_nothing()
    {
        Assert.False(DomainMatcher.Empty.Matches("example.com"));
        Assert.False(DomainMatcher.Parse([], Key).Matches("example.com"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..example.com")]
    [InlineData("exa mple.com")]
    [InlineData("user@example.com")]
    [InlineData("-example.com")]
    [InlineData("example..com")]
    public void Invalid_entries_should_be_refused_naming_the_key(string entry)
    {
        var error = Assert.Throws<ConfigurationException>(() => DomainMatcher.Parse([entry], Key));

        Assert.Equal(Key, error.Key);
        Assert.Contains($"'{entry}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Matches_should_not_allocate()
    {
        const string domain = "deep.mail.example.net";
        _matcher.Matches(domain);

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool matched = _matcher.Matches(domain) && _matcher.Matches("example.com") && !_matcher.Matches("x.y.z.invalid");

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(matched);
    }
}
