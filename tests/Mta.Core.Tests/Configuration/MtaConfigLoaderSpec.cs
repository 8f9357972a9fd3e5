using System.Net;
using Akka.Configuration;
using Mta.Core.Configuration;
using Xunit;
using ConfigurationException = Mta.Core.Configuration.ConfigurationException;

namespace Mta.Core.Tests.Configuration;

public sealed class MtaConfigLoaderSpec : IDisposable
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Load_without_file_or_environment_should_give_the_reference()
    {
        Config config = MtaConfigLoader.Load(null, NoEnvironment);

        Assert.Equal(10_240_000, MtaSettings.Create(config).Smtpd.MessageSizeLimit);
    }

    [Fact]
    public void Operator_file_should_override_only_the_keys_it_sets()
    {
        string file = _folder.Write("mta.conf", """
            mta {
              hopcount-limit = 30
              smtpd.timeout = 5m
              queue { active-limit = 100 }
            }
            """);

        MtaSettings settings = MtaSettings.Create(MtaConfigLoader.Load(file, NoEnvironment));

        Assert.Equal(30, settings.HopcountLimit);
        Assert.Equal(TimeSpan.FromMinutes(5), settings.Smtpd.Timeout);
        Assert.Equal(100, settings.Queue.ActiveLimit);
        Assert.Equal(1000, settings.Smtpd.RecipientLimit);
        Assert.Equal(TimeSpan.FromSeconds(300), settings.Queue.MinimalBackoffTime);
    }

    [Fact]
    public void Loading_should_leave_the_reference_unchanged()
    {
        string file = _folder.Write("mta.conf", "mta.hopcount-limit = 7");

        MtaConfigLoader.Load(file, new Dictionary<string, string?> { ["MTA__SMTPD__RECIPIENT_LIMIT"] = "3" });

        Assert.Equal("50", MtaConfigLoader.Reference.GetString("mta.hopcount-limit"));
        Assert.Equal("1000", MtaConfigLoader.Reference.GetString("mta.smtpd.recipient-limit"));
    }

    [Fact]
    public void A_missing_operator_file_should_be_named_in_the_error()
    {
        string missing = Path.Combine(_folder.Path, "absent.conf");

        var error = Assert.Throws<ConfigurationException>(() => MtaConfigLoader.Load(missing, NoEnvironment));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mta {\n  hopcount-limit = 30\n", "line 1", "never closed")]
    [InlineData("mta {\n  mynetworks = [\"10.0.0.0/8\"\n}\n", "line 3", "does not match")]
    [InlineData("mta {\n  myhostname = \"mx.example.com\n}\n", "line 2", "quoted string")]
    [InlineData("mta.hopcount-limit = 1\n}\n", "line 2", "closes nothing")]
    [InlineData("mta {\n  mynetworks = [::1/128]\n}\n", "line 2", "quote the element")]
    [InlineData("mta.smtpd.listen = [\"127.0.0.1:25\", =]", "line 1", "quote the element")]
    public void An_unparsable_operator_file_should_be_named_with_the_reason(string text, string line, string reason)
    {
        string file = _folder.Write("broken.conf", text);

        var error = Assert.Throws<ConfigurationException>(() => MtaConfigLoader.Load(file, NoEnvironment));

        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Contains("Cannot parse", error.Message, StringComparison.Ordinal);
        Assert.Contains(line, error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_the_hocon_parser_rejects_should_be_named_with_the_reason()
    {
        string file = _folder.Write("broken.conf", "mta {\n  myhostname = mx:example\n}\n");

        var error = Assert.Throws<ConfigurationException>(() => MtaConfigLoader.Load(file, NoEnvironment));

        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Contains("unquoted text", error.Message, StringComparison.Ordinal);
        Assert.Equal(string.Empty, error.Key);
    }

    [Fact]
    public void Comments_and_quoted_brackets_should_not_count_as_structure()
    {
        string file = _folder.Write("mta.conf", """"
            # a comment with { and [
            // another } comment
            mta {
              myhostname = "mx.example.com" # trailing { comment
              data-dir = "/var/lib/mta{1}"
              myhostname = """mx.example.com"""  # """ { [ in a comment
              relay-domains = [ """[example.net""" ]
              mydestination = ["localhost", "a\"b.example"]
            }
            """");

        Config config = MtaConfigLoader.Load(file, NoEnvironment);

        Assert.Equal("/var/lib/mta{1}", config.GetString("mta.data-dir"));
        Assert.Equal("mx.example.com", config.GetString("mta.myhostname"));
        Assert.Equal(["[example.net"], config.GetStringList("mta.relay-domains"));
    }

    [Fact]
    public void Environment_should_override_a_scalar_over_the_operator_file()
    {
        string file = _folder.Write("mta.conf", "mta.smtpd.message-size-limit = 1000");
        var environment = new Dictionary<string, string?>
        {
            ["MTA__SMTPD__MESSAGE_SIZE_LIMIT"] = "20000000",
            ["MTA__SMTPD__PER_REQUEST_DEADLINE"] = "no",
            ["MTA__MYHOSTNAME"] = "mx.example.com",
        };

        MtaSettings settings = MtaSettings.Create(MtaConfigLoader.Load(file, environment));

        Assert.Equal(20_000_000, settings.Smtpd.MessageSizeLimit);
        Assert.False(settings.Smtpd.PerRequestDeadline);
        Assert.Equal("mx.example.com", settings.MyHostname);
    }

    [Theory]
    [InlineData("10.0.0.0/8,::1/128")]
    [InlineData(" 10.0.0.0/8 , ::1/128 ")]
    [InlineData("[\"10.0.0.0/8\", \"::1/128\"]")]
    public void Environment_should_set_a_list_from_commas_or_an_array_literal(string value)
    {
        var environment = new Dictionary<string, string?> { ["MTA__MYNETWORKS"] = value };

        MtaSettings settings = MtaSettings.Create(MtaConfigLoader.Load(null, environment));

        Assert.Equal(["10.0.0.0/8", "::1/128"], settings.MyNetworks.Entries);
    }

    [Fact]
    public void Environment_should_set_a_single_element_list_and_listen_addresses()
    {
        var environment = new Dictionary<string, string?>
        {
            ["MTA__SMTPD__LISTEN"] = "0.0.0.0:25,[::]:25",
            ["MTA__RELAY_DOMAINS"] = "example.net",
        };

        MtaSettings settings = MtaSettings.Create(MtaConfigLoader.Load(null, environment));

        Assert.Equal([new IPEndPoint(IPAddress.Any, 25), new IPEndPoint(IPAddress.IPv6Any, 25)], settings.Smtpd.Listen);
        Assert.True(settings.RelayDomains.Matches("example.net"));
    }

    [Fact]
    public void Environment_should_set_a_table_to_a_file_path()
    {
        string table = _folder.Write("recipients", "alice ok\n");
        var environment = new Dictionary<string, string?> { ["MTA__LOCAL_RECIPIENTS"] = "hash:" + table };

        MtaSettings settings = MtaSettings.Create(MtaConfigLoader.Load(null, environment));

        Assert.NotNull(settings.LocalRecipients);
        Assert.True(settings.LocalRecipients.Contains("alice", "localhost"));
        Assert.False(settings.LocalRecipients.Contains("bob", "localhost"));
    }

    [Fact]
    public void Environment_should_ignore_other_variables_and_null_values()
    {
        var environment = new Dictionary<string, string?>
        {
            ["PATH"] = "/usr/bin",
            ["AKKA__LOGLEVEL"] = "DEBUG",
            ["MTA__HOPCOUNT_LIMIT"] = null,
        };

        Config config = MtaConfigLoader.Load(null, environment);

        Assert.Equal(50, MtaSettings.Create(config).HopcountLimit);
    }

    [Fact]
    public void An_environment_variable_with_a_misspelt_key_should_be_refused_with_a_suggestion()
    {
        var environment = new Dictionary<string, string?> { ["MTA__SMTPD__MESAGE_SIZE_LIMIT"] = "1" };

        var error = Assert.Throws<ConfigurationException>(() => MtaSettings.Create(MtaConfigLoader.Load(null, environment)));

        Assert.Equal("mta.smtpd.mesage-size-limit", error.Key);
        Assert.Contains("'mta.smtpd.message-size-limit'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MTA__")]
    [InlineData("MTA__SMTPD____TIMEOUT")]
    [InlineData("MTA__SMTPD__TIME.OUT")]
    public void An_environment_variable_that_names_no_key_should_be_refused(string name)
    {
        var environment = new Dictionary<string, string?> { [name] = "1" };

        var error = Assert.Throws<ConfigurationException>(() => MtaConfigLoader.Load(null, environment));

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_environment_array_literal_that_does_not_close_should_be_refused_by_validation()
    {
        var environment = new Dictionary<string, string?> { ["MTA__MYNETWORKS"] = "[\"10.0.0.0/8\"" };

        var error = Assert.Throws<ConfigurationException>(() => MtaSettings.Create(MtaConfigLoader.Load(null, environment)));

        Assert.Equal("mta.mynetworks", error.Key);
    }

    [Theory]
    [InlineData("MTA__SMTPD__LISTEN", "[::1]:2525", "mta.smtpd.listen", new[] { "[::1]:2525" })]
    [InlineData("MTA__SMTPD__LISTEN", "[::1]:25,[::]:26", "mta.smtpd.listen", new[] { "[::1]:25", "[::]:26" })]
    [InlineData("MTA__MYNETWORKS", "[10.0.0.0/8, ::1/128]", "mta.mynetworks", new[] { "10.0.0.0/8", "::1/128" })]
    [InlineData("MTA__MYNETWORKS", "[::1]", "mta.mynetworks", new[] { "::1" })]
    [InlineData("MTA__RELAY_DOMAINS", "[]", "mta.relay-domains", new string[0])]
    [InlineData("MTA__RELAY_DOMAINS", "", "mta.relay-domains", new string[0])]
    public void Environment_lists_should_read_bracketed_addresses_as_elements(string name, string value, string key, string[] expected)
    {
        var environment = new Dictionary<string, string?> { [name] = value };

        Assert.Equal(expected, MtaConfigLoader.Load(null, environment).GetStringList(key));
    }

    [Fact]
    public void Environment_should_read_a_scalar_that_looks_like_a_list_as_a_string()
    {
        var environment = new Dictionary<string, string?> { ["MTA__DATA_DIR"] = "[x]" };

        Assert.Equal("[x]", MtaConfigLoader.Load(null, environment).GetString("mta.data-dir"));
    }

    [Fact]
    public void Environment_should_set_a_table_from_an_object_literal()
    {
        var environment = new Dictionary<string, string?> { ["MTA__LOCAL_RECIPIENTS"] = "{ alice = ok, \"bob@example.com\" = ok }" };

        MtaSettings settings = MtaSettings.Create(MtaConfigLoader.Load(null, environment));

        Assert.NotNull(settings.LocalRecipients);
        Assert.True(settings.LocalRecipients.Contains("bob", "example.com"));
        Assert.Null(settings.LocalRecipients.Source.FilePath);
    }

    [Fact]
    public void An_environment_object_literal_that_does_not_close_should_be_refused_naming_the_variable()
    {
        var environment = new Dictionary<string, string?> { ["MTA__LOCAL_RECIPIENTS"] = "{ alice = ok" };

        var error = Assert.Throws<ConfigurationException>(() => MtaConfigLoader.Load(null, environment));

        Assert.Equal("mta.local-recipients", error.Key);
        Assert.Contains("MTA__LOCAL_RECIPIENTS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_values_should_be_taken_literally_not_as_hocon()
    {
        var environment = new Dictionary<string, string?> { ["MTA__DATA_DIR"] = "/srv/mta \"quoted\" ${HOME}" };

        Config config = MtaConfigLoader.Load(null, environment);

        Assert.Equal("/srv/mta \"quoted\" ${HOME}", config.GetString("mta.data-dir"));
    }
}
