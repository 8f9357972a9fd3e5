using System.Net;
using Mta.Core.Configuration;
using Mta.Core.Tests.Support;
using Mta.Tls;
using Mta.Tls.Policy;
using Xunit;
using TlsPki = Mta.Tls.Pki;

namespace Mta.Core.Tests.Configuration;

/// <summary>
/// The example configurations in <c>hocon/</c> are what operators copy: each must be valid as it is,
/// once the files it names exist. The files are made in a temporary folder that stands in for
/// <c>/etc/mta</c>.
/// </summary>
public sealed class ExampleConfigurationTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();
    private readonly string _etc;

    public ExampleConfigurationTests()
    {
        _etc = Path.Combine(_folder.Path, "etc");
        Directory.CreateDirectory(_etc);
        var now = DateTimeOffset.UtcNow;
        var ca = TlsPki.CreateCa("Example CA", TimeSpan.FromDays(30));
        var server = TlsPki.Issue(ca, "mx.example.com", ["mx.example.com"], CertificateUsage.Server, now.AddDays(-1), now.AddDays(30));
        var client = TlsPki.Issue(ca, "mx1.example.com", [], CertificateUsage.Client, now.AddDays(-1), now.AddDays(30));
        Write("CA.pem", ca.CertificatePem);
        Write("server-cert.pem", server.CertificatePem);
        Write("server.key", server.PrivateKeyPem);
        Write("client-cert.pem", client.CertificatePem);
        Write("client.key", client.PrivateKeyPem);
        Write("local-recipients", "alice@example.com ok\npostmaster ok\n");
        Write("relay_clients", Fingerprint.OfCertificate(client.ToX509Certificate2(), FingerprintDigest.Sha256) + " partner\n");
    }

    [Fact]
    public void The_operator_example_is_valid_and_says_what_its_comments_say()
    {
        MtaSettings settings = Load("mta.conf");

        Assert.Equal("mx1.example.com", settings.MyHostname);
        Assert.Equal(["mx1.example.com", "localhost", "example.com"], settings.MyDestination);
        Assert.Equal(50L * 1024 * 1024, settings.Smtpd.MessageSizeLimit);
        Assert.Equal(TimeSpan.FromSeconds(300), settings.Smtpd.Timeout);
        Assert.Equal(TimeSpan.FromDays(1), settings.Queue.BounceQueueLifetime);
        Assert.Equal(TimeSpan.FromSeconds(3), settings.Smtpd.GreetPause);
        Assert.Equal(SmtpdTlsLevel.May, settings.SmtpdTls.Level);
        Assert.Equal(TlsLevel.May, settings.SmtpTls.Level);
        Assert.NotNull(settings.SmtpTls.CertFile);
        Assert.Empty(settings.SmtpTls.PolicyResolver.Errors());
        Assert.Equal(TlsLevel.Secure, settings.SmtpTls.PolicyResolver.ResolveHost(settings.SmtpTls.PolicyResolver.ResolveNexthop("partner.example"), "mx.partner.example").Level);
        Assert.Equal(TlsLevel.Fingerprint, settings.SmtpTls.PolicyResolver.ResolveHost(settings.SmtpTls.PolicyResolver.ResolveNexthop("[relay.bank.example]:587"), "relay.bank.example").Level);
        Assert.Equal(TlsLevel.May, settings.SmtpTls.PolicyResolver.ResolveHost(settings.SmtpTls.PolicyResolver.ResolveNexthop("elsewhere.example"), "mx.elsewhere.example").Level);
    }

    [Fact]
    public void The_seed_server_example_is_valid()
    {
        MtaSettings settings = Load("seed-server.conf");

        Assert.Equal("mx.example.com", settings.MyHostname);
        Assert.True(settings.SmtpdTls.AskCcert);
        Assert.True(settings.SmtpdTls.ReceivedHeader);
        Assert.Single(settings.SmtpdTls.RelayClientCerts.Current);
        Assert.True(settings.MyNetworks.Contains(IPAddress.Loopback));
        Assert.False(settings.MyNetworks.Contains(IPAddress.Parse("192.0.2.1")));
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>The example with its /etc/mta and /var/lib/mta paths moved into the temporary folder.</summary>
    private MtaSettings Load(string name)
    {
        string text = File.ReadAllText(Path.Combine(RepositoryRoot(), "hocon", name))
            .Replace("/etc/mta/", _etc + "/", StringComparison.Ordinal)
            .Replace("/var/lib/mta", Path.Combine(_folder.Path, "data"), StringComparison.Ordinal);
        string file = Path.Combine(_folder.Path, name);
        File.WriteAllText(file, text);
        return MtaSettings.Create(MtaConfigLoader.Load(file, new Dictionary<string, string?>()), _folder.Path);
    }

    private void Write(string name, string text) => File.WriteAllText(Path.Combine(_etc, name), text);

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (Directory.Exists(Path.Combine(folder.FullName, "hocon")) && File.Exists(Path.Combine(folder.FullName, "Mta.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("the repository (Mta.sln and hocon/) is not above " + AppContext.BaseDirectory);
    }
}
