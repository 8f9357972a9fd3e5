using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests;

/// <summary>Mail from MailKit's SmtpClient, a widely used client library, to several local recipients.</summary>
[Collection(LoopbackServerCollection.Name)]
public sealed class MailKitDeliveryTests(LoopbackServerFixture server)
{
    [Fact]
    public async Task A_MailKit_message_to_several_recipients_reaches_each_maildir_without_a_for_clause()
    {
        string[] recipients = ["mk-to@localhost", "mk-cc@localhost", "mk-bcc@localhost"];
        var message = new MimeMessage
        {
            MessageId = TestMessages.NewMessageId().Trim('<', '>'),
            Subject = "MailKit: Grüße",
            Body = new TextPart("plain") { Text = "Grüße aus MailKit.\r\n.a line that starts with a dot\r\n" },
        };
        message.From.Add(MailboxAddress.Parse(TestMessages.Sender));
        message.To.Add(MailboxAddress.Parse(recipients[0]));
        message.Cc.Add(MailboxAddress.Parse(recipients[1]));
        message.Bcc.Add(MailboxAddress.Parse(recipients[2]));
        using var protocolLog = new MemoryStream();

        using (var client = new SmtpClient(new ProtocolLogger(protocolLog, leaveOpen: true)))
        {
            client.LocalDomain = "mailkit.example";
            await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
            var response = await client.SendAsync(message);
            await client.DisconnectAsync(quit: true);
            Assert.StartsWith("2.0.0 Ok: queued as ", response, StringComparison.Ordinal);
        }

        // MailKit declares 8-bit content when the server offers 8BITMIME.
        Assert.Contains("BODY=8BITMIME", Encoding.UTF8.GetString(protocolLog.ToArray()), StringComparison.Ordinal);
        var contents = new List<byte[]>();
        foreach (var recipient in recipients)
        {
            var delivered = DeliveredMessage.Parse(await server.Maildirs.WaitForSingleMessageAsync(recipient));
            Assert.Equal(recipient, delivered.DeliveredTo);
            Assert.Equal($"<{TestMessages.Sender}>", delivered.ReturnPath);
            Assert.Matches(@"^Received: from mailkit\.example \(\S+ \[127\.0\.0\.1\]\)\r\n\tby mx\.test \(Mta\) with ESMTP id \w+; ", delivered.Received);
            Assert.DoesNotContain(" for <", delivered.Received, StringComparison.Ordinal);
            var parsed = MimeMessage.Load(new MemoryStream(delivered.Content));
            Assert.Equal(message.MessageId, parsed.MessageId);
            Assert.Equal("MailKit: Grüße", parsed.Subject);
            var text = Assert.IsType<TextPart>(parsed.Body).Text;
            Assert.Equal("Grüße aus MailKit.\r\n.a line that starts with a dot\r\n", text.ReplaceLineEndings("\r\n"));
            Assert.Empty(parsed.Bcc);
            contents.Add(delivered.Content);
        }
        Assert.All(contents, content => Assert.Equal(contents[0], content));
    }
}
