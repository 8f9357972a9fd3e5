using System.Text.RegularExpressions;
using Mta.EndToEnd.Tests.Support;
using Mta.EndToEnd.Tests.Tls;
using Xunit;
using Xunit.Abstractions;

namespace Mta.EndToEnd.Tests.OutboundTls;

/// <summary>
/// Client certificates issued by an intermediate CA, with only the root CA trusted by the receiving
/// side, as most operators' PKIs are: the certificate verifies only when the client sends the
/// intermediate with it. Our sender sends the certificates that follow its certificate in cert-file,
/// and our receiver builds the chain from what the client sent, as Postfix (OpenSSL) does. Each side
/// is proved against a real peer: Postfix receiving from our sender, <c>openssl s_client</c> sending
/// to our receiver, and our sender sending to our receiver. Each test has its own chain and servers.
/// </summary>
public sealed class CertificateChainTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>A domain that only clients with a verified certificate may relay to.</summary>
    private const string Recipient = "user@remote.example";

    /// <summary>A local address of every MTA here (localhost is in mydestination by default): bounces land in its Maildir.</summary>
    private const string Author = "author@localhost";

    private const string ClientName = "client.chain.test";

    /// <summary>Postfix's discard(8) reports its nexthop as the reason of a "sent" status.</summary>
    private const string DiscardReason = "discarded-after-relay";

    private const string RelayDenied = $"554 5.7.1 <{Recipient}>: Relay access denied";

    private static readonly TimeSpan LogTimeout = TimeSpan.FromSeconds(60);

    private readonly TemporaryFolder _root = new();
    private OpenSslChain _chain = null!;
    private ChainLeaf _client = null!;
    private ChainLeaf _server = null!;

    /// <summary>The Received header line of a client certificate that verified against the root through the intermediate it sent.</summary>
    private static string ClientLine(string verification) =>
        $"(Client CN \"{ClientName}\", Issuer \"{OpenSslChain.IntermediateName}\" ({verification}))";

    public async Task InitializeAsync()
    {
        _chain = await OpenSslChain.CreateAsync(Path.Combine(_root.Path, "pki"));
        _client = await _chain.IssueClientAsync("client", ClientName);
        _server = await _chain.IssueServerAsync("server", MtaServerProcess.HostName);
    }

    public Task DisposeAsync()
    {
        _root.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Postfix_trusts_our_client_certificate_through_the_intermediate_we_send_and_relays_for_it()
    {
        var postfixPort = MtaServerProcess.FreePort();
        await using var postfix = await StartPostfixAsync(postfixPort);
        await using var sender = await StartSenderAsync(_client.ChainCert, $"[127.0.0.1]:{postfixPort}");
        var messageId = TestMessages.NewMessageId();

        await SubmitAsync(sender, messageId);

        var logged = await DeliveryLog.WaitForFirstAsync(sender, Recipient);
        Assert.True(logged.Groups["status"].Value == "sent", $"{logged.Value}\n--- sender ---\n{sender.Output}");
        // Postfix's own certificate comes from the same chain: our verify policy built it from the intermediate Postfix sent.
        Assert.Matches($@"; tls=TLSv1\.[23] \S+ verified CN={Regex.Escape(MtaServerProcess.HostName)}", logged.Groups["detail"].Value);
        var attempt = await postfix.WaitForDeliveryAttemptAsync(messageId, Recipient);
        Assert.Contains($"status=sent ({DiscardReason})", attempt, StringComparison.Ordinal);
        var log = postfix.Log;
        Assert.Matches(@"postfix/smtpd\[\d+\]: Trusted TLS connection established from \S+\[127\.0\.0\.1\]: TLSv1\.[23] with cipher ", log);
        Assert.Matches($@"postfix/smtpd\[\d+\]: NOQUEUE: permit: RCPT from \S+\[127\.0\.0\.1\]: action=permit_tls_all_clientcerts for Client host=\S+ ; from=<{Regex.Escape(Author)}> to=<{Regex.Escape(Recipient)}> proto=ESMTP", log);
        Assert.DoesNotContain("Relay access denied", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postfix_does_not_trust_our_client_certificate_without_its_intermediate_and_refuses_relay()
    {
        var postfixPort = MtaServerProcess.FreePort();
        await using var postfix = await StartPostfixAsync(postfixPort);
        await using var sender = await StartSenderAsync(_client.LeafCert, $"[127.0.0.1]:{postfixPort}");

        await SubmitAsync(sender, TestMessages.NewMessageId());

        var logged = await DeliveryLog.WaitForFirstAsync(sender, Recipient);
        Assert.True(logged.Groups["status"].Value == "bounced" && logged.Groups["dsn"].Value == "5.7.1", $"{logged.Value}\n--- sender ---\n{sender.Output}");
        Assert.Contains(RelayDenied, logged.Groups["detail"].Value, StringComparison.Ordinal);
        var rejected = new Regex($@"postfix/smtpd\[\d+\]: NOQUEUE: reject: RCPT from \S+\[127\.0\.0\.1\]: {Regex.Escape(RelayDenied)}; from=<{Regex.Escape(Author)}> to=<{Regex.Escape(Recipient)}>");
        await Poll.UntilAsync(() => postfix.Log, log => rejected.IsMatch(log), LogTimeout, log => $"Postfix did not log the refusal:\n{log}");
        Assert.Matches(@"postfix/smtpd\[\d+\]: Untrusted TLS connection established from \S+\[127\.0\.0\.1\]: TLSv1\.[23] with cipher ", postfix.Log);
        Assert.DoesNotContain("permit_tls_all_clientcerts", postfix.Log, StringComparison.Ordinal);
        Assert.Single(await sender.Maildirs.WaitForFilesAsync(Author, 1));
    }

    [Fact]
    public async Task Our_server_verifies_an_openssl_client_certificate_through_the_intermediate_the_client_sends()
    {
        await using var receiver = await StartReceiverAsync();
        var messageId = TestMessages.NewMessageId();
        await using var client = OpenSslSmtpClient.Start(receiver.Port,
            "-starttls", "smtp", "-cert", _client.LeafCert, "-key", _client.Key, "-cert_chain", _chain.IntermediateCert);

        RawSmtpConnection.Expect(await client.CommandAsync($"EHLO {RawSmtpConnection.ClientName}"), 250);
        Assert.Equal("250 2.1.0 Ok", (await client.CommandAsync($"MAIL FROM:<{Author}>")).FirstLine);
        Assert.Equal("250 2.1.5 Ok", (await client.CommandAsync($"RCPT TO:<{Recipient}>")).FirstLine);
        await SendDataAsync(client, Recipient, messageId);

        var received = DeliveredMessage.Parse(await receiver.Maildirs.WaitForSingleMessageAsync(Recipient)).Received;
        Assert.Contains(ClientLine("verified OK"), received, StringComparison.Ordinal);
        await WaitForReceiverLogAsync(receiver, "Trusted");
    }

    [Theory]
    [InlineData("-tls1_2")]
    [InlineData("-tls1_3")]
    public async Task Our_server_still_verifies_the_client_through_its_intermediate_on_a_resumed_TLS_session(string protocol)
    {
        await using var receiver = await StartReceiverAsync();
        var session = Path.Combine(_root.Path, "tls-session.pem");

        await RelayOverOpenSslAsync(receiver, protocol, "-sess_out", session);
        Assert.True(File.Exists(session), "openssl saved no session to resume");
        // A resumed session brings the client's certificate but not the intermediate it sent the
        // first time: the relay is still granted only if the server verifies as it did then.
        await RelayOverOpenSslAsync(receiver, protocol, "-sess_in", session);

        Assert.Equal(2, Regex.Count(receiver.Output, @"\bTrusted TLS connection established from \S+\[127\.0\.0\.1\]: " + Regex.Escape(protocol == "-tls1_2" ? "TLSv1.2" : "TLSv1.3")));
    }

    [Fact]
    public async Task Our_server_does_not_verify_an_openssl_client_certificate_sent_without_its_intermediate()
    {
        await using var receiver = await StartReceiverAsync();
        var messageId = TestMessages.NewMessageId();
        await using var client = OpenSslSmtpClient.Start(receiver.Port, "-starttls", "smtp", "-cert", _client.LeafCert, "-key", _client.Key);

        RawSmtpConnection.Expect(await client.CommandAsync($"EHLO {RawSmtpConnection.ClientName}"), 250);
        Assert.Equal("250 2.1.0 Ok", (await client.CommandAsync($"MAIL FROM:<{Author}>")).FirstLine);
        Assert.Equal(RelayDenied, (await client.CommandAsync($"RCPT TO:<{Recipient}>")).FirstLine);
        // A local recipient needs no relay permission: its Received header tells what the server made of the certificate.
        Assert.Equal("250 2.1.5 Ok", (await client.CommandAsync($"RCPT TO:<{Author}>")).FirstLine);
        await SendDataAsync(client, Author, messageId);

        var received = DeliveredMessage.Parse(await receiver.Maildirs.WaitForSingleMessageAsync(Author)).Received;
        Assert.Contains(ClientLine("not verified"), received, StringComparison.Ordinal);
        Assert.Empty(receiver.Maildirs.Files(Recipient));
        await WaitForReceiverLogAsync(receiver, "Untrusted");
    }

    [Fact]
    public async Task Our_sender_sends_the_intermediate_of_its_cert_file_and_our_server_relays_for_the_verified_certificate()
    {
        await using var receiver = await StartReceiverAsync();
        await using var sender = await StartSenderAsync(_client.ChainCert, $"[127.0.0.1]:{receiver.Port}");
        var messageId = TestMessages.NewMessageId();

        await SubmitAsync(sender, messageId);

        var logged = await DeliveryLog.WaitForFirstAsync(sender, Recipient);
        Assert.True(logged.Groups["status"].Value == "sent", $"{logged.Value}\n--- sender ---\n{sender.Output}\n--- receiver ---\n{receiver.Output}");
        // Our server sent its own intermediate too: the sender's verify policy built the chain to the root.
        Assert.Matches($@"; tls=TLSv1\.[23] \S+ verified CN={Regex.Escape(MtaServerProcess.HostName)}", logged.Groups["detail"].Value);
        var delivered = await receiver.Maildirs.WaitForSingleMessageAsync(Recipient);
        Assert.Contains(ClientLine("verified OK"), DeliveredMessage.Parse(delivered).Received, StringComparison.Ordinal);
        Assert.Equal(messageId, DeliveredMessage.HeaderValue(DeliveredMessage.Parse(delivered).Content, "Message-ID"));
        await WaitForReceiverLogAsync(receiver, "Trusted");
    }

    [Fact]
    public async Task Our_sender_with_only_its_certificate_in_cert_file_is_refused_relay_by_our_server()
    {
        await using var receiver = await StartReceiverAsync();
        await using var sender = await StartSenderAsync(_client.LeafCert, $"[127.0.0.1]:{receiver.Port}");

        await SubmitAsync(sender, TestMessages.NewMessageId());

        var logged = await DeliveryLog.WaitForFirstAsync(sender, Recipient);
        Assert.True(logged.Groups["status"].Value == "bounced" && logged.Groups["dsn"].Value == "5.7.1", $"{logged.Value}\n--- sender ---\n{sender.Output}");
        Assert.Contains(RelayDenied, logged.Groups["detail"].Value, StringComparison.Ordinal);
        Assert.Empty(receiver.Maildirs.Files(Recipient));
        await WaitForReceiverLogAsync(receiver, "Untrusted");
    }

    /// <summary>
    /// Postfix relaying for verified client certificates only (loopback is not in its mynetworks),
    /// trusting the root alone, serving its certificate with the intermediate, and discarding what it accepts.
    /// </summary>
    private Task<PostfixInstance> StartPostfixAsync(int port) =>
        PostfixInstance.StartAsync(Path.Combine(_root.Path, "postfix"), port, $"""
            smtpd_tls_key_file = {_server.Key}
            smtpd_tls_cert_file = {_server.ChainCert}
            smtpd_tls_CAfile = {_chain.RootCert}
            smtpd_tls_security_level = may
            smtpd_tls_ask_ccert = yes
            smtpd_tls_loglevel = 1
            smtpd_relay_restrictions = permit_mynetworks, permit_tls_all_clientcerts, reject_unauth_destination
            mynetworks = {SeedServer.ForeignNetwork}
            relay_domains =
            default_transport = discard:{DiscardReason}
            # Log the restriction that accepted each recipient.
            smtpd_log_access_permit_actions = static:all
            """, output);

    /// <summary>
    /// Our MTA as the receiving server: its certificate with the intermediate, client certificates
    /// asked for and verified against the root alone, relay for verified client certificates only
    /// (loopback is not in mynetworks), and mail for remote.example, once accepted, delivered into
    /// its own Maildirs so that the Received header can be read.
    /// </summary>
    private Task<MtaServerProcess> StartReceiverAsync() =>
        MtaServerProcess.StartAsync(Path.Combine(_root.Path, "receiver"), MtaServerProcess.FreePort(), $$"""
            mynetworks = ["{{SeedServer.ForeignNetwork}}"]
            transport-maps { "remote.example" = "local:" }
            smtpd.recipient-restrictions = [permit_tls_all_clientcerts, reject_unauth_destination]
            smtpd.tls {
              cert-file = "{{_server.ChainCert}}"
              key-file = "{{_server.Key}}"
              ca-file = "{{_chain.RootCert}}"
              use-tls = yes
              ask-ccert = yes
              received-header = yes
              loglevel = 1
            }
            """, output);

    /// <summary>Our MTA sending mail for remote.example to <paramref name="nexthop"/> with <paramref name="certFile"/>, verifying the server against the root.</summary>
    private Task<MtaServerProcess> StartSenderAsync(string certFile, string nexthop) =>
        MtaServerProcess.StartAsync(Path.Combine(_root.Path, "sender"), MtaServerProcess.FreePort(), $$"""
            transport-maps { "remote.example" = "smtp:{{nexthop}}" }
            smtp.tls {
              cert-file = "{{certFile}}"
              key-file = "{{_client.Key}}"
              ca-file = "{{_chain.RootCert}}"
              loglevel = 1
              policy-maps { "{{nexthop}}" = "verify match={{MtaServerProcess.HostName}}" }
            }
            """, output);

    private static async Task SubmitAsync(MtaServerProcess sender, string messageId)
    {
        await using var connection = await RawSmtpConnection.OpenAsync(sender.Port);
        var reply = await connection.SendMessageAsync([Recipient], TestMessages.Text(Recipient, messageId), Author);
        Assert.Equal(250, reply.Code);
    }

    /// <summary>
    /// One relayed recipient from <c>openssl s_client</c> with the chain's client certificate and
    /// intermediate, over <paramref name="protocol"/>; the relay must be granted.
    /// </summary>
    private async Task RelayOverOpenSslAsync(MtaServerProcess receiver, string protocol, params string[] sessionOptions)
    {
        var client = OpenSslSmtpClient.Start(receiver.Port,
            ["-starttls", "smtp", protocol, "-brief", "-cert", _client.LeafCert, "-key", _client.Key, "-cert_chain", _chain.IntermediateCert, .. sessionOptions]);
        await using (client)
        {
            RawSmtpConnection.Expect(await client.CommandAsync($"EHLO {RawSmtpConnection.ClientName}"), 250);
            Assert.Equal("250 2.1.0 Ok", (await client.CommandAsync($"MAIL FROM:<{Author}>")).FirstLine);
            var reply = (await client.CommandAsync($"RCPT TO:<{Recipient}>")).FirstLine;
            RawSmtpConnection.Expect(await client.CommandAsync("QUIT"), 221);
            var said = await client.ErrorsAsync();
            Assert.True(reply == "250 2.1.5 Ok", $"{reply}\n--- openssl ---\n{said}\n--- receiver ---\n{receiver.Output}");
        }
    }

    private static async Task SendDataAsync(OpenSslSmtpClient client, string to, string messageId)
    {
        RawSmtpConnection.Expect(await client.CommandAsync("DATA"), 354);
        foreach (var line in TestMessages.Text(to, messageId).Split("\r\n")[..^1]) await client.SendLineAsync(line);
        RawSmtpConnection.Expect(await client.CommandAsync("."), 250);
        RawSmtpConnection.Expect(await client.CommandAsync("QUIT"), 221);
    }

    /// <summary>Waits (bounded) for the receiver's handshake line (loglevel 1) that calls the chain's client certificate <paramref name="trust"/>.</summary>
    private static Task WaitForReceiverLogAsync(MtaServerProcess receiver, string trust)
    {
        var line = new Regex($@"(?m)^.*\b{trust} TLS connection established from \S+\[127\.0\.0\.1\]: TLSv1\.[23] with cipher \S+; client CN {Regex.Escape(ClientName)}, issuer {Regex.Escape(OpenSslChain.IntermediateName)},");
        return Poll.UntilAsync(() => receiver.Output, log => line.IsMatch(log), LogTimeout,
            log => $"the receiver has not logged a {trust} handshake with {ClientName}:\n{log}");
    }
}
