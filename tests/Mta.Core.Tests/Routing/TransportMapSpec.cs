using Akka.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Mta.Core.Configuration;
using Mta.Core.Routing;
using Mta.Core.Tests.Configuration;
using Xunit;
using ConfigurationException = Mta.Core.Configuration.ConfigurationException;

namespace Mta.Core.Tests.Routing;

public sealed class TransportMapSpec : IDisposable
{
    private const string Key = "mta.transport-maps";
    private static readonly DateTime FirstWrite = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    private readonly TemporaryFolder _folder = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingLogger _logger = new();

    public void Dispose() => _folder.Dispose();

    // One table that exercises every lookup rule: exact entries, parents at several depths, and an
    // exact entry under a parent.
    private static readonly Dictionary<string, string> OrderTable = new()
    {
        ["example.com"] = "smtp:[exact.example.net]",
        [".example.com"] = "smtp:[parent.example.net]",
        [".b.example.com"] = "smtp:[closer-parent.example.net]",
        ["c.b.example.com"] = "smtp:[deep-exact.example.net]",
        [".org"] = "smtp:[tld.example.net]",
        ["local.example"] = "local:",
        ["direct.example"] = "smtp:",
    };

    [Theory]
    [InlineData("example.com", "[exact.example.net]")]
    [InlineData("EXAMPLE.com.", "[exact.example.net]")]
    [InlineData("a.example.com", "[parent.example.net]")]
    [InlineData("x.y.a.example.com", "[parent.example.net]")]
    [InlineData("b.example.com", "[parent.example.net]")]
    [InlineData("x.b.example.com", "[closer-parent.example.net]")]
    [InlineData("y.x.b.example.com", "[closer-parent.example.net]")]
    [InlineData("c.b.example.com", "[deep-exact.example.net]")]
    [InlineData("d.c.b.example.com", "[closer-parent.example.net]")]
    [InlineData("example.org", "[tld.example.net]")]
    [InlineData("deep.sub.example.org", "[tld.example.net]")]
    public void A_domain_should_match_itself_first_then_the_closest_parent(string domain, string expected)
    {
        TransportMap map = Inline(OrderTable);

        TransportRoute? route = map.Find(domain);

        Assert.NotNull(route);
        Assert.Equal(expected, route.For(domain, 25).Name);
    }

    [Theory]
    [InlineData("org")]
    [InlineData("com")]
    [InlineData("example.net")]
    [InlineData("notexample.com")]
    [InlineData("xexample.com")]
    [InlineData("sub.local.example")]
    [InlineData("")]
    public void A_domain_without_an_entry_should_fall_through(string domain)
    {
        Assert.Null(Inline(OrderTable).Find(domain));
    }

    [Fact]
    public void A_parent_entry_should_not_match_the_parent_itself()
    {
        TransportMap map = Inline(new() { [".example.com"] = "smtp:[gw]" });

        Assert.Null(map.Find("example.com"));
        Assert.NotNull(map.Find("mx.example.com"));
    }

    [Fact]
    public void Local_and_recipient_domain_routes_should_be_kept()
    {
        TransportMap map = Inline(OrderTable);

        Assert.Same(TransportRoute.LocalDelivery, map.Find("local.example"));
        Assert.Same(TransportRoute.RecipientDomain, map.Find("direct.example"));
        Assert.Equal(7, map.Count);
    }

    [Fact]
    public void Unquoted_inline_keys_with_dots_should_work()
    {
        Config config = ConfigurationFactory.ParseString($$"""{{Key}} { example.com = "smtp:[gw.example.net]:587" }""");

        TransportMap map = TransportMap.Create(TableSource.FromConfig(config, Key, _folder.Path), 25);

        Assert.Equal("[gw.example.net]:587", map.Find("example.com")!.For("example.com", 25).Name);
    }

    [Theory]
    [InlineData("example.com", "smtp:192.0.2.1", "'example.com'", "write it in brackets")]
    [InlineData("example.com", "uucp:gateway", "'example.com'", "transport 'uucp' is not supported")]
    [InlineData("user@example.com", "smtp:[gw]", "'user@example.com'", "per-address entries")]
    [InlineData("*", "smtp:[gw]", "'*'", "mta.smtp.relayhost")]
    [InlineData("bad domain", "smtp:[gw]", "'bad domain'", "not a domain")]
    [InlineData("..example.com", "smtp:[gw]", "'..example.com'", "not a domain")]
    public void A_bad_inline_entry_should_stop_start_up_naming_the_key_and_entry(string key, string value, string entry, string reason)
    {
        var error = Assert.Throws<ConfigurationException>(() => Inline(new() { [key] = value }));

        Assert.Equal(Key, error.Key);
        Assert.Contains($"Invalid entry {entry} in '{Key}' (inline entry)", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_keys_for_the_same_domain_should_be_refused()
    {
        var error = Assert.Throws<ConfigurationException>(() => Inline(new() { ["example.com"] = "smtp:[a]", ["example.com."] = "smtp:[b]" }));

        Assert.Contains("already listed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_should_load_in_postfix_format()
    {
        Write("""
            # routes
            example.com      smtp:[mail.example.net]:587
            .example.com     smtp:relay.example.net
            local.example    local:
            """, FirstWrite);

        TransportMap map = FromFile();

        Assert.Equal(new NextHop("[mail.example.net]:587", "mail.example.net", 587, false, false), map.Find("example.com")!.For("example.com", 25));
        Assert.Equal(new NextHop("relay.example.net", "relay.example.net", 25, true, false), map.Find("a.example.com")!.For("a.example.com", 25));
        Assert.True(map.Find("local.example")!.Local);
    }

    [Fact]
    public void A_bad_value_in_a_file_should_stop_start_up_naming_the_file_line_and_reason()
    {
        string path = Write("""
            # routes
            example.com      smtp:[mail.example.net]

            example.org      smtp:[mail.example.net
            """, FirstWrite);

        var error = Assert.Throws<ConfigurationException>(() => FromFile());

        Assert.Equal(Key, error.Key);
        Assert.Contains($"Invalid entry 'example.org' in '{Key}' ({path}, line 4)", error.Message, StringComparison.Ordinal);
        Assert.Contains("no closing ']'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_line_in_a_file_should_stop_start_up_naming_the_line()
    {
        string path = Write("example.com smtp:[gw]\nexample.org\n", FirstWrite);

        var error = Assert.Throws<ConfigurationException>(() => FromFile());

        Assert.Contains($"{path}, line 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("has no value", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reloaded_file_should_apply_and_skip_its_bad_entries_with_a_warning()
    {
        string path = Write("example.com smtp:[old.example.net]\n", FirstWrite);
        TransportMap map = FromFile();

        Write("example.com smtp:[new.example.net]\n\nexample.org smtp:10.0.0.1\n.example.org smtp:[sub.example.net]\n", FirstWrite.AddSeconds(5));
        _clock.Advance(TableSource.CheckInterval);

        Assert.Equal("[new.example.net]", map.Find("example.com")!.For("example.com", 25).Name);
        Assert.Null(map.Find("example.org"));
        Assert.Equal("[sub.example.net]", map.Find("a.example.org")!.For("a.example.org", 25).Name);
        var warning = Assert.Single(_logger.Entries, entry => entry.Level == LogLevel.Warning);
        Assert.Contains($"{path}, line 3", warning.Message, StringComparison.Ordinal);
        Assert.Contains("example.org", warning.Message, StringComparison.Ordinal);
        Assert.Contains("write it in brackets", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unchanged_file_should_not_be_parsed_again()
    {
        Write("example.com smtp:[gw]\n", FirstWrite);
        TransportMap map = FromFile();
        TransportRoute? first = map.Find("example.com");

        _clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Same(first, map.Find("example.com"));
    }

    [Fact]
    public void A_default_port_should_apply_to_nexthops_without_one()
    {
        TransportMap map = TransportMap.Create(TableSource.FromEntries(new Dictionary<string, string> { ["example.com"] = "smtp:[gw]" }, Key), 2525);

        Assert.Equal(2525, map.Find("example.com")!.For("example.com", 2525).Port);
    }

    [Theory]
    [InlineData("example.com smtp:[a]\n", "example.com", 1)]
    [InlineData("# example.com\n\n  example.com continued\nEXAMPLE.COM smtp:[a]\n", "example.com", 4)]
    [InlineData("\uFEFFexample.com\tsmtp:[a]\n", "example.com", 1)]
    [InlineData("example.com smtp:[a]\nexample.com smtp:[b]\n", "example.com", 1)]
    [InlineData("example.community smtp:[a]\nexample.com smtp:[b]\n", "example.com", 2)]
    public void The_line_of_an_entry_should_be_where_its_key_starts(string text, string key, int line)
    {
        Assert.Equal(line, TableLines.LineOf(text, key));
    }

    [Fact]
    public void A_key_not_in_the_text_should_have_no_line()
    {
        Assert.Null(TableLines.LineOf("example.com smtp:[a]\n", "example.org"));
    }

    private static TransportMap Inline(Dictionary<string, string> entries) =>
        TransportMap.Create(TableSource.FromEntries(entries, Key), 25);

    private TransportMap FromFile() =>
        TransportMap.Create(TableSource.FromFile(Path.Combine(_folder.Path, "transport"), Key, _clock, _logger), 25, _logger);

    private string Write(string text, DateTime lastWrite)
    {
        string path = _folder.Write("transport", text);
        File.SetLastWriteTimeUtc(path, lastWrite);
        return path;
    }
}
