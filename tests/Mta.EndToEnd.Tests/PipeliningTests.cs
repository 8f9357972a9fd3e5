using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests;

/// <summary>RFC 2920 pipelining, and clients that talk before the server has answered where they must wait.</summary>
[Collection(LoopbackServerCollection.Name)]
public sealed class PipeliningTests(LoopbackServerFixture server)
{
    [Fact]
    public async Task Pipelined_MAIL_RCPT_RCPT_DATA_in_one_write_get_their_replies_in_order()
    {
        await using var connection = await RawSmtpConnection.OpenAsync(server.Port);

        await connection.SendAsync($"MAIL FROM:<{TestMessages.Sender}>\r\nRCPT TO:<pipe-1@localhost>\r\nRCPT TO:<bad-address\r\nRCPT TO:<pipe-2@localhost>\r\nDATA\r\n");
        var replies = await connection.ReadRepliesAsync(5);

        Assert.Equal("250 2.1.0 Ok", replies[0].FirstLine);
        Assert.Equal("250 2.1.5 Ok", replies[1].FirstLine);
        Assert.Equal(501, replies[2].Code);
        Assert.Equal("250 2.1.5 Ok", replies[3].FirstLine);
        Assert.Equal(354, replies[4].Code);
        var messageId = TestMessages.NewMessageId();
        await connection.SendAsync(TestMessages.Text("pipe-1@localhost", messageId) + ".\r\n");
        Assert.StartsWith("250 2.0.0 Ok: queued as ", (await connection.ReadReplyAsync()).FirstLine, StringComparison.Ordinal);
        foreach (var recipient in new[] { "pipe-1@localhost", "pipe-2@localhost" })
        {
            var delivered = DeliveredMessage.Parse(await server.Maildirs.WaitForSingleMessageAsync(recipient));
            Assert.Equal(messageId, DeliveredMessage.HeaderValue(delivered.Content, "Message-ID"));
        }
    }

    [Fact]
    public async Task Message_content_sent_with_DATA_before_the_354_gets_554_and_the_connection_is_closed()
    {
        const string recipient = "early-content@localhost";
        await using (var connection = await RawSmtpConnection.OpenAsync(server.Port))
        {
            Assert.Equal(250, (await connection.CommandAsync($"MAIL FROM:<{TestMessages.Sender}>")).Code);
            Assert.Equal(250, (await connection.CommandAsync($"RCPT TO:<{recipient}>")).Code);

            await connection.SendAsync("DATA\r\n" + TestMessages.Text(recipient, TestMessages.NewMessageId()) + ".\r\n");

            Assert.StartsWith("554 5.5.0 ", (await connection.ReadReplyAsync()).FirstLine, StringComparison.Ordinal);
            Assert.Equal(string.Empty, await connection.ReadUntilClosedAsync());
        }
        await NothingElse.AssertOnlyMarkerArrivesAsync(server.Port, server.Maildirs, recipient);
    }

    [Fact]
    public async Task EHLO_followed_by_more_commands_in_the_same_write_gets_554_and_the_connection_is_closed()
    {
        await using var connection = await RawSmtpConnection.ConnectAsync(server.Port);
        Assert.Equal(220, (await connection.ReadReplyAsync()).Code);

        await connection.SendAsync($"EHLO {RawSmtpConnection.ClientName}\r\nMAIL FROM:<{TestMessages.Sender}>\r\n");

        Assert.StartsWith("554 5.5.0 ", (await connection.ReadReplyAsync()).FirstLine, StringComparison.Ordinal);
        Assert.Equal(string.Empty, await connection.ReadUntilClosedAsync());
    }
}
