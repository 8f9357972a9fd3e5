using Mta.EndToEnd.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Mta.EndToEnd.Tests;

/// <summary>
/// Onward delivery between two real MTA processes: the first relays mail for remote.test to the
/// second through a transport map, the second delivers it to its Maildir.
/// </summary>
public sealed class RelayDeliveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Mail_for_a_routed_domain_is_relayed_to_the_next_hop_and_arrives_whole()
    {
        using var root = new TemporaryFolder();
        var receiverPort = MtaServerProcess.FreePort();
        await using var receiver = await MtaServerProcess.StartAsync(Path.Combine(root.Path, "receiver"), receiverPort,
            "mydestination = [\"remote.test\"]", output);
        await using var sender = await MtaServerProcess.StartAsync(Path.Combine(root.Path, "sender"), MtaServerProcess.FreePort(),
            $"transport-maps {{ \"remote.test\" = \"smtp:[127.0.0.1]:{receiverPort}\" }}", output);

        var ids = new List<string>();
        await using (var connection = await RawSmtpConnection.OpenAsync(sender.Port))
        {
            for (var i = 0; i < 10; i++)
            {
                var id = TestMessages.NewMessageId();
                ids.Add(id);
                var content = TestMessages.Text("user@remote.test", id, "line one\r\n.leading dot\r\n" + new string('w', 1500) + "\r\n");
                Assert.Equal(250, (await connection.SendMessageAsync(["user@remote.test", "other@remote.test"], content)).Code);
            }
        }

        var files = await receiver.Maildirs.WaitForFilesAsync("user@remote.test", 10);
        await receiver.Maildirs.WaitForFilesAsync("other@remote.test", 10);
        var delivered = files.Select(f => DeliveredMessage.Parse(File.ReadAllBytes(f))).ToList();
        Assert.Equal(ids.Order(), delivered.Select(m => DeliveredMessage.HeaderValue(m.Content, "Message-ID")!).Order());
        var text = System.Text.Encoding.UTF8.GetString(delivered[0].Content);
        Assert.Contains("\r\n.leading dot\r\n", text);
        // Folded at 998 octets on the way out.
        Assert.Contains("\r\n" + new string('w', 998) + "\r\n" + new string('w', 502) + "\r\n", text);
        // The sender's Received header travelled with the message; the receiver added its own on top.
        Assert.Contains(DeliveredMessage.HeaderFields(delivered[0].Content), f => f.StartsWith("Received: from", StringComparison.Ordinal) && f.Contains("by mx.test (Mta)"));
        await Poll.UntilAsync(() => sender.Output, o => o.Contains("relay=127.0.0.1[127.0.0.1]:"), TimeSpan.FromSeconds(30), o => "no delivery logged:\n" + o);
    }

    [Fact]
    public async Task Mail_to_a_next_hop_that_is_down_is_deferred_and_stays_queued()
    {
        using var root = new TemporaryFolder();
        var deadPort = MtaServerProcess.FreePort();
        await using var sender = await MtaServerProcess.StartAsync(Path.Combine(root.Path, "sender"), MtaServerProcess.FreePort(),
            $"transport-maps {{ \"down.test\" = \"smtp:[127.0.0.1]:{deadPort}\" }}", output);
        await using (var connection = await RawSmtpConnection.OpenAsync(sender.Port))
            Assert.Equal(250, (await connection.SendMessageAsync(["user@down.test"], TestMessages.Text("user@down.test", TestMessages.NewMessageId()))).Code);

        await Poll.UntilAsync(() => sender.Output, o => o.Contains("status=deferred"), TimeSpan.FromSeconds(30), o => "no deferral logged:\n" + o);
        Assert.Contains($"connect to 127.0.0.1[127.0.0.1]:{deadPort}: Connection refused", sender.Output);
    }

    [Fact]
    public async Task A_recipient_refused_by_the_next_hop_bounces_with_a_DSN_in_the_senders_Maildir()
    {
        using var root = new TemporaryFolder();
        var receiverPort = MtaServerProcess.FreePort();
        await using var receiver = await MtaServerProcess.StartAsync(Path.Combine(root.Path, "receiver"), receiverPort,
            "mydestination = [\"remote.test\"]\nlocal-recipients { \"known@remote.test\" = ok }\nmynetworks = [\"192.0.2.0/24\"]", output);
        await using var sender = await MtaServerProcess.StartAsync(Path.Combine(root.Path, "sender"), MtaServerProcess.FreePort(),
            $"transport-maps {{ \"remote.test\" = \"smtp:[127.0.0.1]:{receiverPort}\" }}", output);

        var id = TestMessages.NewMessageId();
        await using (var connection = await RawSmtpConnection.OpenAsync(sender.Port))
        {
            var reply = await connection.SendMessageAsync(["known@remote.test", "nobody@remote.test"],
                TestMessages.Text("known@remote.test", id), sender: "author@localhost");
            Assert.Equal(250, reply.Code);
        }

        await receiver.Maildirs.WaitForSingleMessageAsync("known@remote.test");
        var file = await sender.Maildirs.WaitForSingleMessageAsync("author@localhost");
        var text = System.Text.Encoding.UTF8.GetString(file);
        Assert.StartsWith("Return-Path: <>\r\nDelivered-To: author@localhost\r\n", text);
        var dsn = MimeKit.MimeMessage.Load(new MemoryStream(file));
        Assert.Equal("Undelivered Mail Returned to Sender", dsn.Subject);
        var report = Assert.IsType<MimeKit.MultipartReport>(dsn.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var status = Assert.Single(report.OfType<MimeKit.MessageDeliveryStatus>());
        var recipient = Assert.Single(status.StatusGroups.Skip(1));
        Assert.Equal("rfc822; nobody@remote.test", recipient["Final-Recipient"]);
        Assert.Equal("failed", recipient["Action"]);
        Assert.Equal("5.1.1", recipient["Status"]);
        Assert.Contains("550 5.1.1", recipient["Diagnostic-Code"]);
        Assert.Contains(id, text);
        Assert.Equal("auto-replied", dsn.Headers["Auto-Submitted"]);
    }
}
