using System.Text.RegularExpressions;
using Mta.EndToEnd.Tests.Admin;
using Mta.EndToEnd.Tests.Support;
using Mta.EndToEnd.Tests.Tls;
using Xunit;
using Xunit.Abstractions;

namespace Mta.EndToEnd.Tests.OutboundTls;

/// <summary>
/// <c>mta queue show</c> tells an operator why mail waits and how TLS went: a recipient deferred
/// because the next hop's certificate did not verify shows Postfix's reason followed by the TLS
/// facts of the connection (protocol, cipher, trust, subject).
/// </summary>
public sealed class QueueShowTlsTests(ITestOutputHelper output) : IDisposable
{
    private const string Recipient = "user@remote.example";

    private readonly TemporaryFolder _root = new();
    private readonly TestCertificates _certificates = new();

    [Fact]
    public async Task A_recipient_deferred_for_an_unverified_certificate_shows_the_reason_and_the_TLS_facts()
    {
        await using var receiver = await MtaServerProcess.StartAsync(Path.Combine(_root.Path, "receiver"), MtaServerProcess.FreePort(), $$"""
            smtpd.tls {
              cert-file = "{{_certificates.ServerCert}}"
              key-file = "{{_certificates.ServerKey}}"
              use-tls = yes
            }
            """, output);
        // The sender trusts another CA than the one that issued the receiver's certificate.
        await using var sender = await MtaServerProcess.StartAsync(Path.Combine(_root.Path, "sender"), MtaServerProcess.FreePort(), $$"""
            # mta queue show finds the admin endpoint through the configuration: a fixed port.
            admin.listen = "127.0.0.1:{{MtaServerProcess.FreePort()}}"
            transport-maps { "remote.example" = "smtp:[127.0.0.1]:{{receiver.Port}}" }
            smtp.tls {
              ca-file = "{{_certificates.OtherCaFile}}"
              policy-maps { "[127.0.0.1]:{{receiver.Port}}" = "verify match={{MtaServerProcess.HostName}}" }
            }
            """, output);
        string queueId;
        await using (var connection = await RawSmtpConnection.OpenAsync(sender.Port))
        {
            var reply = await connection.SendMessageAsync([Recipient], TestMessages.Text(Recipient, TestMessages.NewMessageId()));
            queueId = Regex.Match(reply.FirstLine, @"queued as (?<id>\S+)").Groups["id"].Value;
        }

        var logged = await DeliveryLog.WaitForFirstAsync(sender, Recipient);
        Assert.Equal("deferred", logged.Groups["status"].Value);
        var show = await MtaCli.QueueAsync(sender.ConfigFile, "show", queueId);

        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains($"recipient:    {Recipient}\n  status:       deferred\n", show.Output, StringComparison.Ordinal);
        Assert.Matches(@"  last error:   Server certificate not verified; tls=TLSv1\.[23] \S+ untrusted CN=mx\.test\n", show.Output);
    }

    public void Dispose()
    {
        _certificates.Dispose();
        _root.Dispose();
    }
}
