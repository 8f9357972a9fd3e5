using System.Text.RegularExpressions;
using Mta.EndToEnd.Tests.Support;
using Mta.EndToEnd.Tests.Tls;
using Xunit;
using Xunit.Abstractions;

namespace Mta.EndToEnd.Tests.OutboundTls;

/// <summary>
/// Postfix as the receiving server of our outbound TLS: a private Postfix configured as the seed's
/// server (Tabella 1, with Tabella 2's fingerprint file as <c>relay_clientcerts</c>), not trusting
/// loopback by address, and our MTA relaying mail for remote.example to it with its client
/// certificate under a verify policy for the name in Postfix's certificate. Postfix discards what it
/// accepts, so its log is the evidence of relay. Each test starts its own Postfix and sender.
/// </summary>
public sealed class PostfixReceiverTests(ITestOutputHelper output) : IDisposable
{
    private const string Recipient = "user@remote.example";

    /// <summary>A local address of the sender (localhost is in its mydestination): our bounces land in its Maildir.</summary>
    private const string Author = "author@localhost";

    /// <summary>Postfix's discard(8) reports its nexthop as the reason of a "sent" status.</summary>
    private const string DiscardReason = "discarded-after-relay";

    private static readonly TimeSpan LogTimeout = TimeSpan.FromSeconds(60);

    private readonly TemporaryFolder _root = new();
    private readonly TestCertificates _certificates = new();

    [Fact]
    public async Task Postfix_relays_for_our_listed_client_certificate_over_verified_TLS()
    {
        var postfixPort = MtaServerProcess.FreePort();
        await using var postfix = await StartPostfixAsync(postfixPort, $"{_certificates.ListedFingerprint} client1.my.net\n");
        await using var sender = await StartSenderAsync(postfixPort);
        var messageId = TestMessages.NewMessageId();

        await SubmitAsync(sender, messageId);

        var logged = await DeliveryLog.WaitForFirstAsync(sender, Recipient);
        Assert.True(logged.Groups["status"].Value == "sent", $"{logged.Value}\n--- sender ---\n{sender.Output}");
        var detail = logged.Groups["detail"].Value;
        Assert.Matches(@"; tls=TLSv1\.[23] \S+ verified CN=mx\.test", detail);
        var queueId = Regex.Match(detail, @"queued as (?<id>[0-9A-Za-z]+)");
        Assert.True(queueId.Success, $"Postfix's queue id is not in the sender's log: {detail}");

        var attempt = await postfix.WaitForDeliveryAttemptAsync(messageId, Recipient);
        // The message the sender handed over (by its Message-ID) is the one Postfix queued and accepted.
        Assert.Contains($" {queueId.Groups["id"].Value}: to=<{Recipient}>", attempt, StringComparison.Ordinal);
        Assert.Contains($"status=sent ({DiscardReason})", attempt, StringComparison.Ordinal);
        var log = postfix.Log;
        // The client chain was verified against smtpd_tls_CAfile ...
        Assert.Matches(@"postfix/smtpd\[\d+\]: Trusted TLS connection established from \S+\[127\.0\.0\.1\]: TLSv1\.[23] with cipher ", log);
        // ... and the recipient was let through by relay_clientcerts, not by mynetworks.
        Assert.Matches($@"postfix/smtpd\[\d+\]: NOQUEUE: permit: RCPT from \S+\[127\.0\.0\.1\]: action=permit_tls_clientcerts for Client host=\S+ ; from=<{Regex.Escape(Author)}> to=<{Regex.Escape(Recipient)}> proto=ESMTP", log);
        Assert.DoesNotContain("Relay access denied", log, StringComparison.Ordinal);
        Assert.Empty(sender.Maildirs.Files(Author));
    }

    [Fact]
    public async Task Postfix_refuses_relay_for_an_unlisted_fingerprint_and_the_author_gets_our_bounce()
    {
        var postfixPort = MtaServerProcess.FreePort();
        // Tabella 2 without our certificate: only the other partner is listed.
        var otherPartner = OutboundCertificates.Sha256Of(_certificates.Unlisted);
        await using var postfix = await StartPostfixAsync(postfixPort, $"{otherPartner} client2.my.net\n");
        await using var sender = await StartSenderAsync(postfixPort);
        var messageId = TestMessages.NewMessageId();

        await SubmitAsync(sender, messageId);

        var logged = await DeliveryLog.WaitForFirstAsync(sender, Recipient);
        Assert.True(logged.Groups["status"].Value == "bounced" && logged.Groups["dsn"].Value == "5.7.1",
            $"{logged.Value}\n--- sender ---\n{sender.Output}");
        Assert.Contains($"554 5.7.1 <{Recipient}>: Relay access denied", logged.Groups["detail"].Value, StringComparison.Ordinal);
        var rejected = new Regex($@"postfix/smtpd\[\d+\]: NOQUEUE: reject: RCPT from \S+\[127\.0\.0\.1\]: 554 5\.7\.1 <{Regex.Escape(Recipient)}>: Relay access denied; from=<{Regex.Escape(Author)}> to=<{Regex.Escape(Recipient)}>");
        await Poll.UntilAsync(() => postfix.Log, log => rejected.IsMatch(log), LogTimeout, log => $"Postfix did not log the refusal:\n{log}");
        Assert.Matches(@"postfix/smtpd\[\d+\]: Trusted TLS connection established from \S+\[127\.0\.0\.1\]: TLSv1\.[23] with cipher ", postfix.Log);
        Assert.DoesNotContain("permit_tls_clientcerts", postfix.Log, StringComparison.Ordinal);

        var dsn = MimeKit.MimeMessage.Load(new MemoryStream(await sender.Maildirs.WaitForSingleMessageAsync(Author)));
        var report = Assert.IsType<MimeKit.MultipartReport>(dsn.Body);
        var status = Assert.Single(report.OfType<MimeKit.MessageDeliveryStatus>());
        var recipient = status.StatusGroups[1];
        Assert.Equal("failed", recipient["Action"]);
        Assert.Equal("5.7.1", recipient["Status"]);
        Assert.Equal($"rfc822; {Recipient}", recipient["Final-Recipient"]);
        Assert.Contains($"554 5.7.1 <{Recipient}>: Relay access denied", recipient["Diagnostic-Code"], StringComparison.Ordinal);
        Assert.Contains(messageId, report.ToString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _certificates.Dispose();
        _root.Dispose();
    }

    /// <summary>
    /// Postfix as the seed's server (Tabella 1) with <paramref name="relayClients"/> as the
    /// Tabella 2 file, relaying for no one by address and discarding what it accepts.
    /// </summary>
    private Task<PostfixInstance> StartPostfixAsync(int port, string relayClients)
    {
        var relayClientsFile = Path.Combine(_root.Path, "relay_clients");
        File.WriteAllText(relayClientsFile, relayClients);
        return PostfixInstance.StartAsync(Path.Combine(_root.Path, "postfix"), port, $"""
            # Tabella 1
            smtpd_tls_key_file = {_certificates.ServerKey}
            smtpd_tls_cert_file = {_certificates.ServerCert}
            smtpd_tls_CAfile = {_certificates.CaFile}
            smtpd_use_tls = yes
            smtpd_tls_ask_ccert = yes
            smtpd_tls_loglevel = 1
            smtpd_tls_received_header = yes
            smtpd_relay_restrictions = permit_mynetworks, permit_tls_clientcerts, reject_unauth_destination
            # Tabella 2, read as text: no postmap step. Its keys are sha256 fingerprints.
            relay_clientcerts = texthash:{relayClientsFile}
            smtpd_tls_fingerprint_digest = sha256
            # Our sender on 127.0.0.1 must earn relay by its certificate, not by its address.
            mynetworks = {SeedServer.ForeignNetwork}
            relay_domains =
            default_transport = discard:{DiscardReason}
            # Log the restriction that accepted each recipient.
            smtpd_log_access_permit_actions = static:all
            """, output);
    }

    /// <summary>Our MTA routing remote.example to Postfix, with its client certificate and verify for the name in Postfix's certificate.</summary>
    private Task<MtaServerProcess> StartSenderAsync(int postfixPort) =>
        MtaServerProcess.StartAsync(Path.Combine(_root.Path, "sender"), MtaServerProcess.FreePort(), $$"""
            transport-maps { "remote.example" = "smtp:[127.0.0.1]:{{postfixPort}}" }
            smtp.tls {
              cert-file = "{{_certificates.Listed}}"
              key-file = "{{_certificates.ListedKey}}"
              ca-file = "{{_certificates.CaFile}}"
              loglevel = 1
              policy-maps { "[127.0.0.1]:{{postfixPort}}" = "verify match={{MtaServerProcess.HostName}}" }
            }
            """, output);

    private static async Task SubmitAsync(MtaServerProcess sender, string messageId)
    {
        await using var connection = await RawSmtpConnection.OpenAsync(sender.Port);
        var reply = await connection.SendMessageAsync([Recipient], TestMessages.Text(Recipient, messageId), Author);
        Assert.Equal(250, reply.Code);
    }
}
