using System.Text;
using System.Text.RegularExpressions;
using Mta.EndToEnd.Tests.Support;
using Mta.Tls;
using Xunit;
using TlsPki = Mta.Tls.Pki;
using Mta.Core.Tests.Routing;

namespace Mta.EndToEnd.Tests.OutboundTls;

/// <summary>How the sender logged one recipient: <c>to=&lt;rcpt&gt;, relay=..., dsn=..., status=... (detail)</c>.</summary>
internal sealed record LoggedDelivery(string Recipient, string Relay, string Dsn, string Status, string Detail);

/// <summary>
/// One sender MTA and a receiver for every kind of server: our MTA without STARTTLS, a sink that
/// answers STARTTLS with 454, and our MTA with a self-signed, wrongly named, expired, foreign-CA and
/// valid certificate. A private dnsmasq gives every level its own recipient domain per receiver,
/// <c>LEVEL.RECEIVER.test</c>, whose MX host <c>mx.LEVEL.RECEIVER.test</c> the receiver's
/// certificate names; the sender's policy-maps gives each of those nexthops its level. Two more
/// domains are hosted by the valid receiver under MX names of its own domain, for verify (MX name
/// trusted) against secure (never). The sender offers a client certificate, which the valid
/// receiver grants relay by fingerprint. One message per recipient is sent once for all tests.
/// </summary>
public sealed class OutboundTlsFixture : IAsyncLifetime
{
    public static readonly string[] Levels = ["none", "may", "encrypt", "fingerprint", "verify", "secure"];

    public static readonly string[] Receivers = ["plain", "refuse", "selfsigned", "wrongname", "expired", "untrusted", "valid"];

    /// <summary>Relayed by the valid receiver for the sender's client certificate (over verify TLS).</summary>
    public const string RelayedRecipient = "partner@relayed.test";

    /// <summary>The same, sent in plaintext: no certificate, no relay.</summary>
    public const string DeniedRecipient = "partner@denied.test";

    private static readonly Regex LoggedLine = new(@"to=<(?<rcpt>[^>]+)>, relay=(?<relay>[^,]+), delay=[^,]+, dsn=(?<dsn>[^,]+), status=(?<status>\w+) \((?<detail>.*)\)\s*$", RegexOptions.Multiline);

    private readonly TemporaryFolder _root = new();
    private readonly Dictionary<string, MtaServerProcess> _receivers = [];
    private readonly Dictionary<string, int> _ports = [];
    private DnsmasqServer? _dns;

    internal OutboundCertificates Certificates { get; } = new();

    internal RefusingSink Refusing { get; } = new();

    internal MtaServerProcess Sender { get; private set; } = null!;

    /// <summary>The file of the valid receiver's certificate.</summary>
    internal string ValidCertFile { get; private set; } = "";

    internal IReadOnlyDictionary<string, LoggedDelivery> Logged { get; private set; } = new Dictionary<string, LoggedDelivery>();

    internal MtaServerProcess Receiver(string receiver) => _receivers[receiver];

    internal int Port(string receiver) => _ports[receiver];

    internal static string Recipient(string level, string receiver) => $"user@{level}.{receiver}.test";

    public async Task InitializeAsync()
    {
        var records = new List<string>();
        foreach (var receiver in Receivers)
        {
            foreach (var level in Levels)
            {
                records.Add($"--mx-host={level}.{receiver}.test,mx.{level}.{receiver}.test,10");
                records.Add($"--host-record=mx.{level}.{receiver}.test,127.0.0.1");
            }
        }

        records.Add("--mx-host=verify.hosted.test,mx.verify.valid.test,10");
        records.Add("--mx-host=secure.hosted.test,mx.secure.valid.test,10");
        _dns = DnsmasqServer.Start(records);
        _ports["refuse"] = Refusing.Port;
        foreach (var receiver in Receivers.Where(r => r != "refuse")) await StartReceiverAsync(receiver);
        Sender = await StartSenderAsync();
        await SendEveryMessageAsync();
    }

    public async Task DisposeAsync()
    {
        if (Sender is not null) await Sender.DisposeAsync();
        foreach (var receiver in _receivers.Values) await receiver.DisposeAsync();
        await Refusing.DisposeAsync();
        _dns?.Dispose();
        Certificates.Dispose();
        _root.Dispose();
    }

    /// <summary>What went wrong, with everything the sender said.</summary>
    internal string Explain(string recipient) =>
        $"{recipient}: {(Logged.TryGetValue(recipient, out var logged) ? logged.ToString() : "not logged")}\n--- sender ---\n{Sender.Output}";

    private async Task StartReceiverAsync(string receiver)
    {
        var now = DateTimeOffset.UtcNow;
        var names = Levels.Select(level => $"mx.{level}.{(receiver == "wrongname" ? "other" : receiver)}.test").ToList();
        CertificateWithKey? certificate = receiver switch
        {
            "selfsigned" => TlsPki.SelfSigned(names[0], names, CertificateUsage.Server, now.AddDays(-1), now.AddDays(30)),
            "expired" => TlsPki.Issue(Certificates.Ca, names[0], names, CertificateUsage.Server, now.AddDays(-30), now.AddDays(-1)),
            "untrusted" => TlsPki.Issue(Certificates.OtherCa, names[0], names, CertificateUsage.Server, now.AddDays(-1), now.AddDays(30)),
            "wrongname" or "valid" => TlsPki.Issue(Certificates.Ca, names[0], names, CertificateUsage.Server, now.AddDays(-1), now.AddDays(30)),
            _ => null,
        };
        var domains = Levels.Select(level => $"\"{level}.{receiver}.test\"").ToList();
        var settings = new StringBuilder();
        if (certificate is null)
        {
            settings.AppendLine("smtpd.tls.security-level = none");
        }
        else
        {
            var (cert, key) = Certificates.Receiver(receiver, certificate);
            settings.AppendLine($$"""smtpd.tls { security-level = may, cert-file = "{{cert}}", key-file = "{{key}}", received-header = yes }""");
            if (receiver == "valid")
            {
                ValidCertFile = cert;
                domains.AddRange(["\"verify.hosted.test\"", "\"secure.hosted.test\""]);

                // Relay for the sender's certificate only: its CA is not the one hinted in the request.
                settings.AppendLine($$"""
                    mynetworks = ["192.0.2.0/24"]
                    smtpd.tls { ask-ccert = yes, ca-file = "{{Certificates.CaFile}}" }
                    smtpd.recipient-restrictions = [permit_mynetworks, permit_tls_clientcerts, reject_unauth_destination]
                    smtpd.relay-clientcerts { "{{Certificates.ClientFingerprint}}" = "client.sender.test" }
                    transport-maps { "relayed.test" = "local:", "denied.test" = "local:" }
                    """);
            }
        }

        settings.AppendLine($"mydestination = [{string.Join(", ", domains)}]");
        var port = MtaServerProcess.FreePort();
        _ports[receiver] = port;
        _receivers[receiver] = await MtaServerProcess.StartAsync(Path.Combine(_root.Path, receiver), port, settings.ToString());
    }

    private Task<MtaServerProcess> StartSenderAsync()
    {
        var transports = new StringBuilder();
        var policies = new StringBuilder();
        var validFingerprint = OutboundCertificates.Sha256Of(ValidCertFile);
        foreach (var receiver in Receivers)
        {
            foreach (var level in Levels)
            {
                var domain = $"{level}.{receiver}.test";
                transports.AppendLine($"    \"{domain}\" = \"smtp:{domain}:{Port(receiver)}\"");
                policies.AppendLine($"      \"{domain}:{Port(receiver)}\" = \"{(level == "fingerprint" ? "fingerprint match=" + validFingerprint : level)}\"");
            }
        }

        foreach (var level in new[] { "verify", "secure" })
        {
            transports.AppendLine($"    \"{level}.hosted.test\" = \"smtp:{level}.hosted.test:{Port("valid")}\"");
            policies.AppendLine($"      \"{level}.hosted.test:{Port("valid")}\" = \"{level}\"");
        }

        transports.AppendLine($"    \"relayed.test\" = \"smtp:[mx.verify.valid.test]:{Port("valid")}\"");
        transports.AppendLine($"    \"denied.test\" = \"smtp:[mx.none.valid.test]:{Port("valid")}\"");
        policies.AppendLine($"      \"[mx.verify.valid.test]:{Port("valid")}\" = verify");
        return MtaServerProcess.StartAsync(Path.Combine(_root.Path, "sender"), MtaServerProcess.FreePort(), $$"""
            dns.servers = ["{{_dns!.EndPoint}}"]
            transport-maps {
            {{transports}}
            }
            smtp.tls {
              ca-file = "{{Certificates.CaFile}}"
              cert-file = "{{Certificates.ClientCert}}"
              key-file = "{{Certificates.ClientKey}}"
              loglevel = 1
              policy-maps {
            {{policies}}
              }
            }
            """);
    }

    private async Task SendEveryMessageAsync()
    {
        var recipients = Receivers.SelectMany(receiver => Levels.Select(level => Recipient(level, receiver)))
            .Concat(["user@verify.hosted.test", "user@secure.hosted.test", RelayedRecipient, DeniedRecipient])
            .ToList();
        await using (var connection = await RawSmtpConnection.OpenAsync(Sender.Port))
        {
            foreach (var recipient in recipients)
            {
                var reply = await connection.SendMessageAsync([recipient], TestMessages.Text(recipient, TestMessages.NewMessageId()));
                Assert.Equal(250, reply.Code);
            }
        }

        var logged = await Poll.UntilAsync(
            () => ParseLog(Sender.Output),
            found => recipients.All(found.ContainsKey),
            TimeSpan.FromSeconds(90),
            found => $"not logged: {string.Join(", ", recipients.Where(r => !found.ContainsKey(r)))}\n{Sender.Output}");
        Logged = logged;
    }

    /// <summary>The first attempt logged for each recipient.</summary>
    private static Dictionary<string, LoggedDelivery> ParseLog(string output)
    {
        var logged = new Dictionary<string, LoggedDelivery>(StringComparer.Ordinal);
        foreach (Match match in LoggedLine.Matches(output))
        {
            var recipient = match.Groups["rcpt"].Value;
            logged.TryAdd(recipient, new LoggedDelivery(recipient, match.Groups["relay"].Value, match.Groups["dsn"].Value, match.Groups["status"].Value, match.Groups["detail"].Value));
        }
        return logged;
    }
}
