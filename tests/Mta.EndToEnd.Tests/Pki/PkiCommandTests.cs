using System.Globalization;
using System.Runtime.Versioning;
using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests.Pki;

/// <summary><c>mta pki ca</c> and <c>mta pki issue</c> as an operator runs them, checked with openssl.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class PkiCommandTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string PathOf(string file) => Path.Combine(_folder.Path, file);

    private async Task<CommandLine.Outcome> MtaAsync(params string[] arguments) => await CommandLine.MtaAsync(_folder.Path, arguments);

    private async Task MtaSucceedsAsync(params string[] arguments)
    {
        var outcome = await MtaAsync(arguments);
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
    }

    private Task<string> OpenSslAsync(params string[] arguments) => CommandLine.OpenSslOutputAsync(_folder.Path, arguments);

    private Task MakeCaAsync(params string[] extra) =>
        MtaSucceedsAsync(["pki", "ca", "--name", "Test Mail CA", "--out-cert", "ca.pem", "--out-key", "ca.key", .. extra]);

    private Task IssueAsync(string name, params string[] extra) =>
        MtaSucceedsAsync(["pki", "issue", "--ca", "ca.pem", "--ca-key", "ca.key", "--name", name, "--out-cert", "leaf.pem", "--out-key", "leaf.key", .. extra]);

    [Fact]
    public async Task A_server_certificate_verifies_against_the_CA_and_carries_its_name_as_subjectAltName()
    {
        await MakeCaAsync();
        await IssueAsync("mx.example.com");

        var verified = await CommandLine.OpenSslAsync(_folder.Path, "verify", "-CAfile", "ca.pem", "-purpose", "sslserver", "leaf.pem");
        var caText = await OpenSslAsync("x509", "-noout", "-text", "-in", "ca.pem");
        var leafText = await OpenSslAsync("x509", "-noout", "-text", "-in", "leaf.pem");

        Assert.Equal("leaf.pem: OK", verified.Output.Trim());
        Assert.Contains("Subject: CN = Test Mail CA", caText, StringComparison.Ordinal);
        Assert.Contains("CA:TRUE, pathlen:0", caText, StringComparison.Ordinal);
        Assert.Contains("Certificate Sign, CRL Sign", caText, StringComparison.Ordinal);
        Assert.Contains("Subject: CN = mx.example.com", leafText, StringComparison.Ordinal);
        Assert.Contains("CA:FALSE", leafText, StringComparison.Ordinal);
        Assert.Contains("DNS:mx.example.com", leafText, StringComparison.Ordinal);
        Assert.Contains("TLS Web Server Authentication", leafText, StringComparison.Ordinal);
        Assert.DoesNotContain("TLS Web Client Authentication", leafText, StringComparison.Ordinal);
        Assert.Contains("X509v3 Subject Key Identifier", leafText, StringComparison.Ordinal);
        Assert.Contains("X509v3 Authority Key Identifier", leafText, StringComparison.Ordinal);
        Assert.Contains("NIST CURVE: P-256", leafText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Private_keys_are_written_readable_by_the_owner_only_and_certificates_are_not()
    {
        await MakeCaAsync();
        await IssueAsync("mx.example.com");

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(PathOf("ca.key")));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(PathOf("leaf.key")));
        Assert.True(File.GetUnixFileMode(PathOf("leaf.pem")).HasFlag(UnixFileMode.OtherRead));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", await File.ReadAllTextAsync(PathOf("leaf.key")), StringComparison.Ordinal);
        await OpenSslAsync("pkey", "-in", "leaf.key", "-noout");
    }

    [Fact]
    public async Task A_client_certificate_is_for_clients_only_and_has_no_subjectAltName_unless_asked()
    {
        await MakeCaAsync();
        await IssueAsync("client1.example", "--client");

        var asClient = await CommandLine.OpenSslAsync(_folder.Path, "verify", "-CAfile", "ca.pem", "-purpose", "sslclient", "leaf.pem");
        var asServer = await CommandLine.OpenSslAsync(_folder.Path, "verify", "-CAfile", "ca.pem", "-purpose", "sslserver", "leaf.pem");
        var text = await OpenSslAsync("x509", "-noout", "-text", "-in", "leaf.pem");

        Assert.True(asClient.ExitCode == 0, asClient.ToString());
        Assert.NotEqual(0, asServer.ExitCode);
        Assert.Contains("TLS Web Client Authentication", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Subject Alternative Name", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Both_usages_with_explicit_names_take_exactly_those_names()
    {
        await MakeCaAsync();
        await IssueAsync("relay.example.com", "--both", "--san", "mx1.example.com", "--san", "*.mx.example.com");

        var text = await OpenSslAsync("x509", "-noout", "-text", "-in", "leaf.pem");

        Assert.Contains("TLS Web Server Authentication, TLS Web Client Authentication", text, StringComparison.Ordinal);
        Assert.Contains("DNS:mx1.example.com, DNS:*.mx.example.com\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("DNS:relay.example.com", text, StringComparison.Ordinal);
        foreach (var purpose in new[] { "sslserver", "sslclient" })
        {
            var verified = await CommandLine.OpenSslAsync(_folder.Path, "verify", "-CAfile", "ca.pem", "-purpose", purpose, "leaf.pem");
            Assert.True(verified.ExitCode == 0, verified.ToString());
        }
    }

    [Fact]
    public async Task Rsa_keys_of_the_requested_size_are_made_on_request()
    {
        await MakeCaAsync("--rsa", "3072");
        await IssueAsync("mx.example.com", "--rsa", "2048");

        var caText = await OpenSslAsync("x509", "-noout", "-text", "-in", "ca.pem");
        var leafText = await OpenSslAsync("x509", "-noout", "-text", "-in", "leaf.pem");
        var verified = await CommandLine.OpenSslAsync(_folder.Path, "verify", "-CAfile", "ca.pem", "leaf.pem");

        Assert.Contains("Public-Key: (3072 bit)", caText, StringComparison.Ordinal);
        Assert.Contains("Public-Key: (2048 bit)", leafText, StringComparison.Ordinal);
        Assert.Contains("sha256WithRSAEncryption", leafText, StringComparison.Ordinal);
        Assert.Contains("Key Encipherment", leafText, StringComparison.Ordinal);
        Assert.True(verified.ExitCode == 0, verified.ToString());
    }

    [Theory]
    [InlineData(new string[0], 825)]
    [InlineData(new[] { "--days", "10" }, 10)]
    public async Task Validity_runs_from_now_for_the_requested_days(string[] daysArguments, int expectedDays)
    {
        await MakeCaAsync("--days", "4000");
        var before = DateTimeOffset.UtcNow;
        await IssueAsync("mx.example.com", daysArguments);
        var after = DateTimeOffset.UtcNow;

        var notAfter = ParseOpenSslDate(await OpenSslAsync("x509", "-noout", "-enddate", "-dateopt", "iso_8601", "-in", "leaf.pem"));
        var caNotAfter = ParseOpenSslDate(await OpenSslAsync("x509", "-noout", "-enddate", "-dateopt", "iso_8601", "-in", "ca.pem"));

        Assert.InRange(notAfter, before.AddDays(expectedDays).AddSeconds(-1), after.AddDays(expectedDays));
        Assert.InRange(caNotAfter, before.AddDays(4000).AddMinutes(-5), after.AddDays(4000));
    }

    [Fact]
    public async Task Existing_files_are_kept_unless_forced_and_a_replaced_key_is_owner_only_again()
    {
        await MakeCaAsync();
        var originalCertificate = await File.ReadAllTextAsync(PathOf("ca.pem"));
        File.SetUnixFileMode(PathOf("ca.key"), OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var refused = await MtaAsync("pki", "ca", "--name", "Second CA", "--out-cert", "ca.pem", "--out-key", "ca.key");

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("exists; use --force to replace it", refused.Errors, StringComparison.Ordinal);
        Assert.Equal(originalCertificate, await File.ReadAllTextAsync(PathOf("ca.pem")));

        await MtaSucceedsAsync("pki", "ca", "--name", "Second CA", "--out-cert", "ca.pem", "--out-key", "ca.key", "--force");

        Assert.Contains("CN = Second CA", await OpenSslAsync("x509", "-noout", "-subject", "-in", "ca.pem"), StringComparison.Ordinal);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(PathOf("ca.key")));
    }

    [Fact]
    public async Task Issuing_with_a_leaf_as_CA_or_a_foreign_key_fails_with_exit_code_2_and_writes_nothing()
    {
        await MakeCaAsync();
        await IssueAsync("mx.example.com");
        await MtaSucceedsAsync("pki", "ca", "--name", "Other CA", "--out-cert", "other.pem", "--out-key", "other.key");

        var leafAsCa = await MtaAsync("pki", "issue", "--ca", "leaf.pem", "--ca-key", "leaf.key", "--name", "x.example", "--out-cert", "x.pem", "--out-key", "x.key");
        var foreignKey = await MtaAsync("pki", "issue", "--ca", "ca.pem", "--ca-key", "other.key", "--name", "x.example", "--out-cert", "x.pem", "--out-key", "x.key");
        var missingCa = await MtaAsync("pki", "issue", "--ca", "missing.pem", "--ca-key", "ca.key", "--name", "x.example", "--out-cert", "x.pem", "--out-key", "x.key");
        var badName = await MtaAsync("pki", "issue", "--ca", "ca.pem", "--ca-key", "ca.key", "--name", "x", "--san", "not a name", "--out-cert", "x.pem", "--out-key", "x.key");

        Assert.Equal((2, "not a CA certificate"), (leafAsCa.ExitCode, Excerpt(leafAsCa.Errors, "not a CA certificate")));
        Assert.Equal((2, "does not belong to the certificate"), (foreignKey.ExitCode, Excerpt(foreignKey.Errors, "does not belong to the certificate")));
        Assert.Equal((2, "missing.pem: no such file"), (missingCa.ExitCode, Excerpt(missingCa.Errors, "missing.pem: no such file")));
        Assert.Equal((2, "'not a name' is not a DNS name"), (badName.ExitCode, Excerpt(badName.Errors, "'not a name' is not a DNS name")));
        Assert.False(File.Exists(PathOf("x.pem")));
        Assert.False(File.Exists(PathOf("x.key")));
    }

    [Fact]
    public async Task Conflicting_usages_are_a_usage_error()
    {
        await MakeCaAsync();

        var outcome = await MtaAsync("pki", "issue", "--ca", "ca.pem", "--ca-key", "ca.key", "--name", "x", "--client", "--server", "--out-cert", "x.pem", "--out-key", "x.key");

        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains("Give only one of --client, --server and --both.", outcome.Errors, StringComparison.Ordinal);
        Assert.False(File.Exists(PathOf("x.key")));
    }

    /// <summary>The expected text when <paramref name="text"/> contains it, else all of the text (for a readable failure).</summary>
    private static string Excerpt(string text, string expected) =>
        text.Contains(expected, StringComparison.Ordinal) ? expected : text;

    /// <summary>Reads <c>notAfter=2026-12-08 23:31:45Z</c> as printed with <c>-dateopt iso_8601</c>.</summary>
    private static DateTimeOffset ParseOpenSslDate(string line)
    {
        var value = line.Trim()[(line.IndexOf('=', StringComparison.Ordinal) + 1)..];
        return DateTimeOffset.ParseExact(value, "yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }
}
