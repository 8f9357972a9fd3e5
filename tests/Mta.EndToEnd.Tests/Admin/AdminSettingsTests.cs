using System.Net;
using Akka.Configuration;
using Mta.Core.Configuration;
using Xunit;
using ConfigurationException = Mta.Core.Configuration.ConfigurationException;

namespace Mta.EndToEnd.Tests.Admin;

/// <summary>How <c>mta.admin.listen</c> and <c>mta.admin.token-file</c> are read.</summary>
public sealed class AdminSettingsTests
{
    private static readonly string BaseDirectory = Path.Combine(Path.GetTempPath(), "mta-admin-base");

    private static AdminSettings Read(string hocon) => MtaSettings.Create(ConfigurationFactory.ParseString(hocon), BaseDirectory).Admin;

    [Theory]
    [InlineData("127.0.0.1:8025", "127.0.0.1", 8025)]
    [InlineData("*:9090", "0.0.0.0", 9090)]
    [InlineData("[::1]:8025", "::1", 8025)]
    [InlineData("localhost:0", "127.0.0.1", 0)]
    public void The_listen_address_takes_the_forms_of_smtpd_listen(string listen, string address, int port)
    {
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), Read($"mta.admin.listen = \"{listen}\"").Listen);
    }

    [Theory]
    [InlineData("\"\"")]
    [InlineData("\"  \"")]
    public void An_empty_listen_address_disables_the_endpoint(string listen)
    {
        Assert.Null(Read($"mta.admin.listen = {listen}").Listen);
    }

    [Theory]
    [InlineData("8025")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("::1:8025")]
    public void A_bad_listen_address_is_refused_naming_the_key(string listen)
    {
        var error = Assert.Throws<ConfigurationException>(() => Read($"mta.admin.listen = \"{listen}\""));

        Assert.Equal("mta.admin.listen", error.Key);
    }

    [Fact]
    public void The_token_file_defaults_to_admin_token_in_the_data_folder()
    {
        Assert.Equal(Path.Combine(BaseDirectory, "spool-here", "admin.token"), Read("mta.data-dir = spool-here").TokenFile);
    }

    [Theory]
    [InlineData("/etc/mta/admin.token", "/etc/mta/admin.token")]
    [InlineData("secrets/admin.token", "secrets/admin.token")]
    public void A_token_file_is_absolute_or_relative_to_the_working_directory(string configured, string expected)
    {
        Assert.Equal(Path.GetFullPath(expected, BaseDirectory), Read($"mta.admin.token-file = \"{configured}\"").TokenFile);
    }

    [Fact]
    public void A_misspelt_admin_key_is_named_with_the_closest_valid_key()
    {
        var error = Assert.Throws<ConfigurationException>(() => Read("mta.admin.listn = \"127.0.0.1:8025\""));

        Assert.Equal("Unknown configuration key 'mta.admin.listn'; did you mean 'mta.admin.listen'?", error.Message);
    }
}
