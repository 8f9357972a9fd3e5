using Akka.Configuration;
using Mta.Core.Configuration;
using Mta.Core.Tests.Support;
using Mta.Tls.Policy;
using Xunit;
using ConfigurationException = Mta.Core.Configuration.ConfigurationException;

namespace Mta.Core.Tests.Delivery;

/// <summary>The settings of TLS in onward delivery (<c>mta.smtp.tls</c>) as MtaSettings reads them.</summary>
public sealed class SmtpTlsSettingsSpec : IDisposable
{
    private const string Sha256 = "3A:6B:1F:00:9C:D2:44:17:8E:5A:0B:C3:71:E9:2D:46:58:FA:13:B0:7C:9E:21:D4:06:AB:8F:35:C1:E7:52:9D";

    private readonly TemporaryDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("", false, false, true, TlsLevel.None)]
    [InlineData("", true, false, true, TlsLevel.May)]
    [InlineData("", true, true, true, TlsLevel.Verify)]
    [InlineData("", false, true, true, TlsLevel.Verify)]
    [InlineData("", true, true, false, TlsLevel.Encrypt)]
    [InlineData("secure", false, false, true, TlsLevel.Secure)]
    [InlineData("may", true, true, true, TlsLevel.May)]
    [InlineData("ENCRYPT", false, false, false, TlsLevel.Encrypt)]
    public void The_global_level_is_the_security_level_or_derived_from_the_legacy_switches(
        string securityLevel, bool useTls, bool enforceTls, bool enforcePeername, TlsLevel expected)
    {
        SmtpTlsSettings tls = Create($$"""
            mta.smtp.tls {
              security-level = "{{securityLevel}}"
              use-tls = {{(useTls ? "yes" : "no")}}
              enforce-tls = {{(enforceTls ? "yes" : "no")}}
              enforce-peername = {{(enforcePeername ? "yes" : "no")}}
            }
            """);

        Assert.Equal(expected, tls.Level);
        Assert.Equal(expected, tls.PolicyResolver.Global);
    }

    [Theory]
    [InlineData("mta.smtp.tls.security-level = dane", "mta.smtp.tls.security-level", "DANE")]
    [InlineData("mta.smtp.tls.security-level = strict", "mta.smtp.tls.security-level", "strict")]
    [InlineData("mta.smtp.tls.security-level = fingerprint", "mta.smtp.tls.fingerprint-cert-match", "needs at least one fingerprint")]
    [InlineData("mta.smtp.tls.fingerprint-cert-match = [\"AB:CD\"]", "mta.smtp.tls.fingerprint-cert-match", "AB:CD")]
    [InlineData("mta.smtp.tls.fingerprint-digest = sha3", "mta.smtp.tls.fingerprint-digest", "sha3")]
    [InlineData("mta.smtp.tls.protocols = [SSLv3]", "mta.smtp.tls.protocols", "SSLv3")]
    [InlineData("mta.smtp.tls.protocols = []", "mta.smtp.tls.protocols", "empty")]
    [InlineData("mta.smtp.tls.loglevel = 5", "mta.smtp.tls.loglevel", "5")]
    [InlineData("mta.smtp.tls.ca-file = /nonexistent/ca.pem", "mta.smtp.tls.ca-file", "/nonexistent/ca.pem")]
    [InlineData("mta.smtp.tls.ca-path = /nonexistent", "mta.smtp.tls.ca-path", "/nonexistent")]
    [InlineData("mta.smtp.tls.enforce-peername = maybe", "mta.smtp.tls.enforce-peername", "maybe")]
    public void A_bad_value_stops_start_up_naming_its_key(string hocon, string key, string mentioned)
    {
        var error = Assert.Throws<ConfigurationException>(() => Create(hocon));

        Assert.Equal(key, error.Key);
        Assert.Contains(mentioned, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cert-file", "key-file")]
    [InlineData("key-file", "cert-file")]
    public void A_client_certificate_needs_both_files(string given, string missing)
    {
        string file = Write("client.pem", "not read at start");

        var error = Assert.Throws<ConfigurationException>(() => Create($"mta.smtp.tls.{given} = \"{file}\""));

        Assert.Equal("mta.smtp.tls." + missing, error.Key);
    }

    [Fact]
    public void The_fingerprint_level_takes_its_fingerprints_from_fingerprint_cert_match()
    {
        SmtpTlsSettings tls = Create($"mta.smtp.tls.security-level = fingerprint\nmta.smtp.tls.fingerprint-cert-match = [\"{Sha256.ToLowerInvariant()}\"]");

        TlsPolicy policy = tls.PolicyResolver.ResolveHost(tls.PolicyResolver.ResolveNexthop("example.com"), "mx.example.com");

        Assert.Equal(TlsLevel.Fingerprint, policy.Level);
        Assert.Equal([Sha256], policy.Match);
    }

    [Fact]
    public void Both_tables_set_warn_that_per_site_is_ignored()
    {
        SmtpTlsSettings tls = Create("""
            mta.smtp.tls {
              ca-file = ""
              append-default-ca = yes
              per-site { "example.com" = MUST }
              policy-maps { "example.com" = encrypt }
            }
            """);

        Assert.Equal([TlsPolicyResolver.PerSiteIgnoredWarning], tls.Warnings);
        Assert.Equal(TlsLevel.Encrypt, tls.PolicyResolver.ResolveHost(tls.PolicyResolver.ResolveNexthop("example.com"), "example.com").Level);
    }

    [Fact]
    public void Verification_without_any_CA_is_warned_about()
    {
        SmtpTlsSettings tls = Create("mta.smtp.tls.security-level = verify");

        Assert.Contains(tls.Warnings, warning => warning.Contains("No CA", StringComparison.Ordinal));
    }

    [Fact]
    public void The_seeds_Tabella_4_file_works_as_per_site_table()
    {
        string table = Write("smtp_tls_per_site", "unknown.dom.ain\tNONE\nhost.dom.ain\tMAY\nimportant.host\tMUST\nsome.host.dom.ain\tMUST_NOPEERMATCH\n");
        SmtpTlsSettings tls = Create($"mta.smtp.tls {{ use-tls = yes, ca-file = \"{Write("ca.pem", "x")}\", per-site = \"hash:{table}\" }}");
        TlsPolicyResolver resolver = tls.PolicyResolver;

        Assert.Equal(TlsLevel.May, tls.Level);
        Assert.Equal(TlsLevel.None, resolver.ResolveHost(resolver.ResolveNexthop("unknown.dom.ain"), "mx.elsewhere.example").Level);
        Assert.Equal(TlsLevel.May, resolver.ResolveHost(resolver.ResolveNexthop("[host.dom.ain]:2525"), "host.dom.ain").Level);
        Assert.Equal(TlsLevel.Verify, resolver.ResolveHost(resolver.ResolveNexthop("important.host"), "important.host").Level);
        Assert.Equal(["important.host"], resolver.ResolveHost(resolver.ResolveNexthop("important.host"), "important.host").Match);
        Assert.Equal(TlsLevel.Encrypt, resolver.ResolveHost(resolver.ResolveNexthop("example.org"), "some.host.dom.ain").Level);
        Assert.Equal(TlsLevel.May, resolver.ResolveHost(resolver.ResolveNexthop("example.org"), "mx.example.org").Level);
        Assert.Empty(resolver.Errors());
    }

    private static SmtpTlsSettings Create(string hocon) =>
        MtaSettings.Create(ConfigurationFactory.ParseString(hocon)).SmtpTls;

    private string Write(string name, string text)
    {
        string path = Path.Combine(_folder.Path, name);
        File.WriteAllText(path, text);
        return path;
    }
}
