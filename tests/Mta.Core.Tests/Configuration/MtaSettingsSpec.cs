using System.Net;
using Akka.Configuration;
using Mta.Core.Configuration;
using Xunit;
using ConfigurationException = Mta.Core.Configuration.ConfigurationException;

namespace Mta.Core.Tests.Configuration;

public sealed class MtaSettingsSpec
{
    private static MtaSettings Create(string hocon) => MtaSettings.Create(ConfigurationFactory.ParseString(hocon));

    private static ConfigurationException Refused(string hocon) => Assert.Throws<ConfigurationException>(() => Create(hocon));

    [Theory]
    [InlineData("mta.smtpd.mesage-size-limit = 1", "mta.smtpd.mesage-size-limit", "mta.smtpd.message-size-limit")]
    [InlineData("mta.smtpd.timout = 5m", "mta.smtpd.timout", "mta.smtpd.timeout")]
    [InlineData("mta.mynetwork = []", "mta.mynetwork", "mta.mynetworks")]
    [InlineData("mta.queue.maximal-backof-time = 1h", "mta.queue.maximal-backof-time", "mta.queue.maximal-backoff-time")]
    [InlineData("mta.smtp { timeout = 5m }", "mta.smtp.timeout", "mta.smtpd.timeout")]
    [InlineData("mta.spool.segment_size = 1MiB", "mta.spool.segment_size", "mta.spool.segment-size")]
    [InlineData("mta.message-size-limit = 1", "mta.message-size-limit", "mta.smtpd.message-size-limit")]
    [InlineData("mta.SMTPD.timeout = 5m", "mta.SMTPD", "mta.smtpd")]
    [InlineData("mta.smtpd.tls.ask-cert = yes", "mta.smtpd.tls.ask-cert", "mta.smtpd.tls.ask-ccert")]
    public void An_unknown_key_should_be_named_with_the_closest_valid_key(string hocon, string unknown, string suggestion)
    {
        ConfigurationException error = Refused(hocon);

        Assert.Equal(unknown, error.Key);
        Assert.Equal($"Unknown configuration key '{unknown}'; did you mean '{suggestion}'?", error.Message);
    }

    [Fact]
    public void Keys_inside_a_table_should_not_be_checked()
    {
        MtaSettings settings = Create("""mta.local-recipients { alice = ok, "bob@example.com" = ok, carol.smith = ok }""");

        Assert.NotNull(settings.LocalRecipients);
        Assert.True(settings.LocalRecipients.Contains("alice", "example.com"));
        Assert.True(settings.LocalRecipients.Contains("bob", "example.com"));
        Assert.True(settings.LocalRecipients.Contains("carol.smith", "example.com"));
    }

    [Fact]
    public void Keys_outside_mta_should_be_left_to_their_owners()
    {
        MtaSettings settings = Create("akka.loglevel = DEBUG\nakka.unknown-thing = 1");

        Assert.Equal(50, settings.HopcountLimit);
    }

    [Fact]
    public void A_value_where_a_section_belongs_should_be_refused()
    {
        ConfigurationException error = Refused("mta.smtpd = 5");

        Assert.Equal("mta.smtpd", error.Key);
        Assert.Contains("section", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("yes", true)]
    [InlineData("no", false)]
    [InlineData("on", true)]
    [InlineData("off", false)]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("YES", true)]
    [InlineData("\"No\"", false)]
    public void Booleans_should_accept_postfix_and_hocon_forms(string value, bool expected)
    {
        Assert.Equal(expected, Create($"mta.smtpd.per-request-deadline = {value}").Smtpd.PerRequestDeadline);
    }

    [Theory]
    [InlineData("300", 300)]
    [InlineData("300s", 300)]
    [InlineData("5m", 300)]
    [InlineData("1h", 3600)]
    [InlineData("2d", 172_800)]
    [InlineData("1w", 604_800)]
    [InlineData("\"10 seconds\"", 10)]
    [InlineData("1.5h", 5400)]
    public void Durations_should_accept_postfix_and_hocon_forms(string value, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), Create($"mta.smtpd.timeout = {value}").Smtpd.Timeout);
    }

    [Theory]
    [InlineData("10240000", 10_240_000)]
    [InlineData("512KiB", 512 * 1024)]
    [InlineData("64MiB", 64 * 1024 * 1024)]
    [InlineData("10MB", 10_000_000)]
    [InlineData("2k", 2048)]
    [InlineData("0", 0)]
    public void Sizes_should_accept_bytes_and_hocon_units(string value, long bytes)
    {
        Assert.Equal(bytes, Create($"mta.smtpd.message-size-limit = {value}").Smtpd.MessageSizeLimit);
    }

    [Theory]
    [InlineData("mta.smtpd.timeout = soon", "mta.smtpd.timeout", "a duration")]
    [InlineData("mta.smtpd.timeout = 0s", "mta.smtpd.timeout", "greater than zero")]
    [InlineData("mta.smtpd.timeout = 5x", "mta.smtpd.timeout", "a duration")]
    [InlineData("mta.smtpd.timeout = \"-5s\"", "mta.smtpd.timeout", "a duration")]
    [InlineData("mta.smtpd.per-request-deadline = maybe", "mta.smtpd.per-request-deadline", "yes, no")]
    [InlineData("mta.smtpd.recipient-limit = 0", "mta.smtpd.recipient-limit", "at least 1")]
    [InlineData("mta.smtpd.recipient-limit = 1.5", "mta.smtpd.recipient-limit", "whole number")]
    [InlineData("mta.smtpd.recipient-limit = 3000000000", "mta.smtpd.recipient-limit", "whole number")]
    [InlineData("mta.smtpd.client-connection-limit = -1", "mta.smtpd.client-connection-limit", "0 means no limit")]
    [InlineData("mta.smtpd.message-size-limit = 10XB", "mta.smtpd.message-size-limit", "a size")]
    [InlineData("mta.spool.segment-size = 0", "mta.spool.segment-size", "greater than zero")]
    [InlineData("mta.hopcount-limit = [1]", "mta.hopcount-limit", "it is a list")]
    [InlineData("mta.hopcount-limit { a = 1 }", "mta.hopcount-limit", "it is a section")]
    [InlineData("mta.hopcount-limit = null", "mta.hopcount-limit", "no value")]
    [InlineData("mta.myhostname = \"bad host\"", "mta.myhostname", "a host name")]
    [InlineData("mta.myhostname = \"-bad.example\"", "mta.myhostname", "a host name")]
    [InlineData("mta.data-dir = \"\"", "mta.data-dir", "a folder path")]
    [InlineData("mta.mydestination = [\"bad domain\"]", "mta.mydestination", "a domain name")]
    [InlineData("mta.mydestination = [\"$mydomain\"]", "mta.mydestination", "$myhostname")]
    [InlineData("mta.relay-domains = [\"exa mple.com\"]", "mta.relay-domains", "a domain name")]
    [InlineData("mta.mynetworks = [\"10.0.0.0/33\"]", "mta.mynetworks", "10.0.0.0/33")]
    [InlineData("mta.mynetworks = [\"\"]", "mta.mynetworks", "element 1 is empty")]
    [InlineData("mta.queue.maximal-backoff-time = 60s", "mta.queue.maximal-backoff-time", "minimal-backoff-time")]
    [InlineData("mta.queue.minimal-backoff-time = 0", "mta.queue.minimal-backoff-time", "greater than zero")]
    [InlineData("mta.local-recipients = [a]", "mta.local-recipients", "a table")]
    [InlineData("mta.local-recipients = \"regexp:/etc/mta/recipients\"", "mta.local-recipients", "table type 'regexp'")]
    [InlineData("mta.local-recipients { alice = [1] }", "mta.local-recipients", "'alice'")]
    public void An_invalid_value_should_be_refused_naming_the_key_and_the_accepted_form(string hocon, string key, string fragment)
    {
        ConfigurationException error = Refused(hocon);

        Assert.Equal(key, error.Key);
        Assert.Contains($"'{key}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_table_file_should_be_refused_at_start()
    {
        ConfigurationException error = Refused("mta.local-recipients = \"/nonexistent/mta/recipients\"");

        Assert.Equal("mta.local-recipients", error.Key);
        Assert.Contains("/nonexistent/mta/recipients", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:2525", "127.0.0.1", 2525)]
    [InlineData("0.0.0.0:25", "0.0.0.0", 25)]
    [InlineData("*:25", "0.0.0.0", 25)]
    [InlineData("[::1]:587", "::1", 587)]
    [InlineData("[::]:25", "::", 25)]
    [InlineData("localhost:2525", "127.0.0.1", 2525)]
    [InlineData("192.0.2.1:0", "192.0.2.1", 0)]
    [InlineData("192.0.2.1:65535", "192.0.2.1", 65535)]
    public void Listen_addresses_should_parse_to_endpoints(string text, string address, int port)
    {
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), ListenAddress.Parse(text, "mta.smtpd.listen"));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("127.0.0.1:-1")]
    [InlineData(":25")]
    [InlineData("::1:25")]
    [InlineData("[127.0.0.1]:25")]
    [InlineData("[::1]25")]
    [InlineData("mail.example.com:25")]
    [InlineData("10.1:25")]
    [InlineData("[fe80::1%eth0]:25")]
    public void Bad_listen_addresses_should_be_refused_naming_the_key(string text)
    {
        ConfigurationException error = Refused($"mta.smtpd.listen = [\"{text}\"]");

        Assert.Equal("mta.smtpd.listen", error.Key);
        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[permit_mynetworks, reject_unauth_destination]", new[] { Restriction.PermitMynetworks, Restriction.RejectUnauthDestination })]
    [InlineData("[reject_unauth_destination]", new[] { Restriction.RejectUnauthDestination })]
    [InlineData("[permit_mynetworks, defer_unauth_destination]", new[] { Restriction.PermitMynetworks, Restriction.DeferUnauthDestination })]
    [InlineData("[permit_mynetworks, reject]", new[] { Restriction.PermitMynetworks, Restriction.Reject })]
    [InlineData("[reject_unauth_destination, permit]", new[] { Restriction.RejectUnauthDestination, Restriction.Permit })]
    [InlineData("[PERMIT_MYNETWORKS, Reject_Unauth_Destination]", new[] { Restriction.PermitMynetworks, Restriction.RejectUnauthDestination })]
    public void Restriction_lists_that_stop_relaying_should_be_accepted(string list, Restriction[] expected)
    {
        Assert.Equal(expected, Create($"mta.smtpd.recipient-restrictions = {list}").Smtpd.RecipientRestrictions);
    }

    [Theory]
    [InlineData("[permit_mynetworks]")]
    [InlineData("[]")]
    [InlineData("[permit]")]
    [InlineData("[permit_mynetworks, permit, reject_unauth_destination]")]
    public void Restriction_lists_that_make_an_open_relay_should_be_refused(string list)
    {
        ConfigurationException error = Refused($"mta.smtpd.recipient-restrictions = {list}");

        Assert.Equal("mta.smtpd.recipient-restrictions", error.Key);
        Assert.Contains("would make an open relay", error.Message, StringComparison.Ordinal);
        Assert.Contains("add reject_unauth_destination", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("permit_tls_clientcerts")]
    [InlineData("permit_tls_all_clientcerts")]
    public void Tls_client_certificate_restrictions_without_tls_should_be_accepted_with_a_warning(string name)
    {
        MtaSettings settings = MtaSettings.Create(ConfigurationFactory.ParseString($"mta.smtpd.recipient-restrictions = [permit_mynetworks, {name}, reject_unauth_destination]"));

        Assert.Contains(name is "permit_tls_clientcerts" ? Restriction.PermitTlsClientcerts : Restriction.PermitTlsAllClientcerts, settings.Smtpd.RecipientRestrictions);
        Assert.Contains(settings.SmtpdTls.Warnings, w => w.Contains("never match", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("permit_mynetwork", "permit_mynetworks")]
    [InlineData("reject_unauth_destinations", "reject_unauth_destination")]
    [InlineData("defer_unath_destination", "defer_unauth_destination")]
    public void An_unknown_restriction_should_be_refused_with_the_closest_name(string name, string suggestion)
    {
        ConfigurationException error = Refused($"mta.smtpd.recipient-restrictions = [{name}, reject]");

        Assert.Equal("mta.smtpd.recipient-restrictions", error.Key);
        Assert.Contains($"Unknown restriction '{name}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"did you mean '{suggestion}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Restrictions_should_round_trip_their_postfix_names()
    {
        Assert.Equal("permit_mynetworks", Restriction.PermitMynetworks.ToPostfixName());
        Assert.Equal("reject_unauth_destination", Restriction.RejectUnauthDestination.ToPostfixName());
        Assert.Equal("permit_tls_all_clientcerts", Restriction.PermitTlsAllClientcerts.ToPostfixName());
    }

    [Fact]
    public void Mydestination_should_expand_myhostname_lower_case_and_drop_trailing_dots()
    {
        MtaSettings settings = Create("""
            mta.myhostname = "MX.Example.COM"
            mta.mydestination = ["$myhostname", "${myhostname}", "mail.$myhostname", "LocalHost.", "Example.org"]
            """);

        Assert.Equal("MX.Example.COM", settings.MyHostname);
        Assert.Equal(["mx.example.com", "mail.mx.example.com", "localhost", "example.org"], settings.MyDestination);
    }

    [Theory]
    [InlineData("example.org", true)]
    [InlineData("EXAMPLE.ORG", true)]
    [InlineData("example.org.", true)]
    [InlineData("mx.example.com", true)]
    [InlineData("sub.example.org", false)]
    [InlineData("example.org.evil", false)]
    [InlineData("", false)]
    public void IsLocalDomain_should_match_mydestination_exactly_ignoring_case_and_trailing_dot(string domain, bool expected)
    {
        MtaSettings settings = Create("""
            mta.myhostname = "mx.example.com"
            mta.mydestination = ["$myhostname", "example.org"]
            """);

        Assert.Equal(expected, settings.IsLocalDomain(domain));
    }

    [Fact]
    public void A_copy_with_other_destinations_should_not_change_the_original()
    {
        MtaSettings original = Create("mta.mydestination = [\"example.org\"]");

        MtaSettings copy = original with { MyDestination = ["example.net"] };

        Assert.True(original.IsLocalDomain("example.org"));
        Assert.False(original.IsLocalDomain("example.net"));
        Assert.True(copy.IsLocalDomain("example.net"));
        Assert.False(copy.IsLocalDomain("example.org"));
    }

    [Fact]
    public void Lists_may_be_written_as_one_postfix_style_string()
    {
        MtaSettings settings = Create("""mta.mynetworks = "127.0.0.0/8, [::1]/128 10.0.0.0/8" """);

        Assert.Equal(["127.0.0.0/8", "::1/128", "10.0.0.0/8"], settings.MyNetworks.Entries);
    }

    [Fact]
    public void Data_dir_should_resolve_against_the_base_directory()
    {
        string baseDirectory = Path.Combine(Path.GetTempPath(), "mta-base");
        Config config = ConfigurationFactory.ParseString("mta.data-dir = \"spool/../queue\"");

        Assert.Equal(Path.Combine(baseDirectory, "queue"), MtaSettings.Create(config, baseDirectory).DataDir);
        Assert.Equal(Path.GetFullPath("/srv/mta"), MtaSettings.Create(ConfigurationFactory.ParseString("mta.data-dir = \"/srv/mta\""), baseDirectory).DataDir);
    }

    [Fact]
    public void Bounce_queue_lifetime_should_be_capped_at_the_maximal_queue_lifetime_as_postfix_does()
    {
        MtaSettings settings = Create("mta.queue { maximal-queue-lifetime = 1d, bounce-queue-lifetime = 3d }");

        Assert.Equal(TimeSpan.FromDays(1), settings.Queue.BounceQueueLifetime);
    }

    [Fact]
    public void An_empty_local_recipients_path_should_mean_no_recipient_check()
    {
        Assert.Null(Create("mta.local-recipients = \"\"").LocalRecipients);
    }
}
