using System.Text.RegularExpressions;
using Mta.EndToEnd.Tests.Support;
using Mta.Tls;
using Xunit;
using TlsPki = Mta.Tls.Pki;
using Mta.Core.Tests.Routing;

namespace Mta.EndToEnd.Tests.OutboundTls;

/// <summary>
/// The seed's client (Tabella 3) translated to HOCON, with its Tabella 4 file as per-site table
/// exactly as written there. The receiver's certificate names none of the table's hosts, so the
/// table's MUST defers while MUST_NOPEERMATCH delivers with TLS.
/// </summary>
public sealed class SeedPerSiteFixture : IAsyncLifetime
{
    /// <summary>Tabella 4, /etc/postfix/smtp_tls_per_site, as the seed prints it.</summary>
    public const string Tabella4 = "unknown.dom.ain\tNONE\nhost.dom.ain\tMAY\nimportant.host\tMUST\nsome.host.dom.ain\tMUST_NOPEERMATCH\n";

    /// <summary>Recipient domain and the host of the table (or not) it is routed to.</summary>
    public static readonly (string Domain, string Host)[] Routes =
    [
        ("seed-none.test", "unknown.dom.ain"),
        ("seed-may.test", "host.dom.ain"),
        ("seed-must.test", "important.host"),
        ("seed-nopeermatch.test", "some.host.dom.ain"),
        ("seed-global.test", "mx.seed.test"),
    ];

    private static readonly Regex LoggedLine = new(@"to=<(?<rcpt>[^>]+)>, relay=[^,]+, delay=[^,]+, dsn=(?<dsn>[^,]+), status=(?<status>\w+) \((?<detail>.*)\)\s*$", RegexOptions.Multiline);

    private readonly TemporaryFolder _root = new();
    private readonly OutboundCertificates _certificates = new();
    private DnsmasqServer? _dns;

    internal MtaServerProcess Receiver { get; private set; } = null!;

    internal MtaServerProcess Sender { get; private set; } = null!;

    internal IReadOnlyDictionary<string, (string Dsn, string Status, string Detail)> Logged { get; private set; } =
        new Dictionary<string, (string Dsn, string Status, string Detail)>();

    public async Task InitializeAsync()
    {
        _dns = DnsmasqServer.Start(Routes.Select(route => $"--host-record={route.Host},127.0.0.1"));
        var now = DateTimeOffset.UtcNow;
        var (cert, key) = _certificates.Receiver("seed-receiver",
            TlsPki.Issue(_certificates.Ca, "mx.seed.test", ["mx.seed.test"], CertificateUsage.Server, now.AddDays(-1), now.AddDays(30)));
        var port = MtaServerProcess.FreePort();
        Receiver = await MtaServerProcess.StartAsync(Path.Combine(_root.Path, "receiver"), port, $$"""
            smtpd.tls { security-level = may, cert-file = "{{cert}}", key-file = "{{key}}", received-header = yes }
            mydestination = [{{string.Join(", ", Routes.Select(route => $"\"{route.Domain}\""))}}]
            """);
        var table = Path.Combine(_root.Path, "smtp_tls_per_site");
        await File.WriteAllTextAsync(table, Tabella4);
        Sender = await MtaServerProcess.StartAsync(Path.Combine(_root.Path, "sender"), MtaServerProcess.FreePort(), $$"""
            dns.servers = ["{{_dns.EndPoint}}"]
            transport-maps {
            {{string.Join("\n", Routes.Select(route => $"  \"{route.Domain}\" = \"smtp:[{route.Host}]:{port}\""))}}
            }
            # Tabella 3: the seed's client.
            smtp.tls {
              key-file = "{{_certificates.ClientKey}}"
              cert-file = "{{_certificates.ClientCert}}"
              ca-file = "{{_certificates.CaFile}}"
              loglevel = 2
              use-tls = yes
              enforce-peername = yes
              note-starttls-offer = yes
              per-site = "hash:{{table}}"
            }
            """);

        await using (var connection = await RawSmtpConnection.OpenAsync(Sender.Port))
        {
            foreach (var (domain, _) in Routes)
                Assert.Equal(250, (await connection.SendMessageAsync([$"user@{domain}"], TestMessages.Text($"user@{domain}", TestMessages.NewMessageId()))).Code);
        }

        Logged = await Poll.UntilAsync(
            () => LoggedLine.Matches(Sender.Output).GroupBy(match => match.Groups["rcpt"].Value)
                .ToDictionary(group => group.Key, group => (group.First().Groups["dsn"].Value, group.First().Groups["status"].Value, group.First().Groups["detail"].Value)),
            found => Routes.All(route => found.ContainsKey($"user@{route.Domain}")),
            TimeSpan.FromSeconds(60),
            _ => "not every recipient was logged:\n" + Sender.Output);
    }

    public async Task DisposeAsync()
    {
        if (Sender is not null) await Sender.DisposeAsync();
        if (Receiver is not null) await Receiver.DisposeAsync();
        _dns?.Dispose();
        _certificates.Dispose();
        _root.Dispose();
    }
}

public sealed class SeedPerSiteTests(SeedPerSiteFixture fixture) : IClassFixture<SeedPerSiteFixture>
{
    [Theory]
    [InlineData("seed-none.test", "sent", "tls=none (policy none)")]
    [InlineData("seed-may.test", "sent", "trusted CN=mx.seed.test")]
    [InlineData("seed-must.test", "deferred", "Server certificate not verified; tls=TLSv1.")]
    [InlineData("seed-nopeermatch.test", "sent", "trusted CN=mx.seed.test")]
    [InlineData("seed-global.test", "sent", "trusted CN=mx.seed.test")]
    public async Task The_seeds_Tabella_4_file_works_as_the_per_site_table(string domain, string status, string detail)
    {
        var recipient = $"user@{domain}";
        var logged = fixture.Logged[recipient];

        Assert.True(logged.Status == status && logged.Detail.Contains(detail, StringComparison.Ordinal), $"{logged}\n{fixture.Sender.Output}");
        if (status == "sent")
        {
            var received = DeliveredMessage.Parse(await fixture.Receiver.Maildirs.WaitForSingleMessageAsync(recipient)).Received;
            Assert.Contains(domain == "seed-none.test" ? " with ESMTP id " : " with ESMTPS id ", received, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("4.7.5", logged.Dsn);
            Assert.Empty(fixture.Receiver.Maildirs.Files(recipient));
        }
    }

    [Fact]
    public void The_seed_clients_logging_shows_the_policies_and_the_unused_STARTTLS_offer()
    {
        var output = fixture.Sender.Output;

        Assert.Contains("Host offered STARTTLS: [unknown.dom.ain]", output, StringComparison.Ordinal);
        Assert.Contains("TLS policy for [important.host]:", output, StringComparison.Ordinal);
        Assert.Contains("verify match=important.host (per-site host important.host)", output, StringComparison.Ordinal);
        Assert.Contains("encrypt (per-site host some.host.dom.ain)", output, StringComparison.Ordinal);
        Assert.Contains("name mismatch: certificate matches none of important.host", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Table mta.smtp.tls.per-site, line", output, StringComparison.Ordinal);
    }
}
