using System.Net;
using System.Net.Sockets;
using Mta.EndToEnd.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mta.EndToEnd.Tests.Tls;

/// <summary>
/// A listener of <c>mta.smtpd.tls-listen</c> speaks TLS from the first byte (Postfix's
/// smtpd_tls_wrappermode, "smtps"): the banner and every reply come inside TLS.
/// </summary>
public sealed class ImplicitTlsTests(TestCertificatesFixture fixture, ITestOutputHelper output) : IClassFixture<TestCertificatesFixture>
{
    private const string Recipient = "user@localhost";
    private static readonly TimeSpan ListenTimeout = TimeSpan.FromSeconds(30);

    private TestCertificates Certs => fixture.Certificates;

    /// <summary>A server with a STARTTLS listener (its <see cref="MtaServerProcess.Port"/>) and a TLS listener on <paramref name="tlsPort"/>.</summary>
    private async Task<MtaServerProcess> StartAsync(TemporaryFolder root, int tlsPort)
    {
        var server = await MtaServerProcess.StartAsync(root.Path, MtaServerProcess.FreePort(),
            SeedServer.Settings(Certs, mynetworks: "127.0.0.0/8", extra: $"""smtpd.tls-listen = ["127.0.0.1:{tlsPort}"]"""), output);
        // The server is known to listen on its plain port; the TLS port is opened beside it.
        await Poll.UntilAsync(() => Accepts(tlsPort), accepted => accepted, ListenTimeout, _ => $"nothing listens on the TLS port {tlsPort}:\n{server.Output}");
        return server;
    }

    [Fact]
    public async Task Openssl_without_starttls_gets_the_banner_inside_TLS_and_sends_a_message()
    {
        using var root = new TemporaryFolder();
        var tlsPort = MtaServerProcess.FreePort();
        await using var server = await StartAsync(root, tlsPort);
        await using var client = OpenSslSmtpClient.Start(tlsPort, "-cert", Certs.Listed, "-key", Certs.ListedKey);
        var messageId = TestMessages.NewMessageId();

        Assert.StartsWith($"220 {MtaServerProcess.HostName} ", (await client.ReadReplyAsync()).FirstLine);
        var ehlo = RawSmtpConnection.Expect(await client.CommandAsync($"EHLO {RawSmtpConnection.ClientName}"), 250);
        Assert.DoesNotContain("STARTTLS", ehlo.Lines);
        RawSmtpConnection.Expect(await client.CommandAsync($"MAIL FROM:<{TestMessages.Sender}>"), 250);
        RawSmtpConnection.Expect(await client.CommandAsync($"RCPT TO:<{Recipient}>"), 250);
        RawSmtpConnection.Expect(await client.CommandAsync("DATA"), 354);
        foreach (var line in TestMessages.Text(Recipient, messageId).Split("\r\n")[..^1]) await client.SendLineAsync(line);
        RawSmtpConnection.Expect(await client.CommandAsync("."), 250);
        RawSmtpConnection.Expect(await client.CommandAsync("QUIT"), 221);

        var delivered = DeliveredMessage.Parse(await server.Maildirs.WaitForSingleMessageAsync(Recipient));
        Assert.Equal(messageId, DeliveredMessage.HeaderValue(delivered.Content, "Message-ID"));
        Assert.Matches(@"\r\n\t\(Client CN ""client1\.my\.net"", Issuer ""My CA"" \(verified OK\)\)\r\n\tby mx\.test \(Mta\) with ESMTPS id ", delivered.Received);
    }

    [Fact]
    public async Task Swaks_with_tls_on_connect_delivers_and_STARTTLS_is_not_offered_again()
    {
        using var root = new TemporaryFolder();
        var tlsPort = MtaServerProcess.FreePort();
        await using var server = await StartAsync(root, tlsPort);

        var (exit, transcript) = await Swaks.RunAsync("--server", $"127.0.0.1:{tlsPort}", "--tlsc", "--to", Recipient, "--from", TestMessages.Sender);

        Assert.True(exit == 0, transcript);
        Assert.Contains("=== TLS started with cipher", transcript);
        Assert.DoesNotMatch(@"<~ +250[- ]STARTTLS", transcript);
        Assert.Contains(" with ESMTPS id ", DeliveredMessage.Parse(await server.Maildirs.WaitForSingleMessageAsync(Recipient)).Received);
    }

    [Fact]
    public async Task A_plaintext_client_on_the_TLS_port_gets_no_SMTP_and_is_disconnected()
    {
        using var root = new TemporaryFolder();
        var tlsPort = MtaServerProcess.FreePort();
        await using var server = await StartAsync(root, tlsPort);
        await using var connection = await RawSmtpConnection.ConnectAsync(tlsPort);

        await connection.SendAsync($"EHLO {RawSmtpConnection.ClientName}\r\nMAIL FROM:<{TestMessages.Sender}>\r\nRCPT TO:<{Recipient}>\r\n");

        var received = await connection.ReadUntilClosedAsync();
        Assert.DoesNotContain("220 ", received);
        Assert.DoesNotContain("250", received);
    }

    private static bool Accepts(int port)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
