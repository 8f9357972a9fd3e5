using System.Text;
using Mta.EndToEnd.Tests.Support;
using Xunit;

namespace Mta.EndToEnd.Tests;

/// <summary>
/// Transactions written by hand over a raw socket, for what the client tools cannot send: BDAT
/// (RFC 3030; MailKit only uses it for BINARYMIME, which the server does not offer) and
/// <c>BODY=8BITMIME</c> (swaks has no option for it).
/// </summary>
[Collection(LoopbackServerCollection.Name)]
public sealed class RawDeliveryTests(LoopbackServerFixture server)
{
    [Fact]
    public async Task Eight_bit_content_declared_with_BODY_8BITMIME_arrives_byte_for_byte_after_dot_unstuffing()
    {
        const string recipient = "eightbit@localhost";
        var content = TestMessages.TrickyContent(recipient, TestMessages.NewMessageId());
        await using var connection = await RawSmtpConnection.OpenAsync(server.Port);

        Assert.Equal("250 2.1.0 Ok", (await connection.CommandAsync($"MAIL FROM:<{TestMessages.Sender}> BODY=8BITMIME")).FirstLine);
        Assert.Equal("250 2.1.5 Ok", (await connection.CommandAsync($"RCPT TO:<{recipient}>")).FirstLine);
        Assert.Equal(354, (await connection.CommandAsync("DATA")).Code);
        await connection.SendAsync(TestMessages.DotStuff(content) + ".\r\n");
        Assert.StartsWith("250 2.0.0 Ok: queued as ", (await connection.ReadReplyAsync()).FirstLine, StringComparison.Ordinal);

        var delivered = DeliveredMessage.Parse(await server.Maildirs.WaitForSingleMessageAsync(recipient));
        Assert.Equal(Encoding.UTF8.GetBytes(content), delivered.Content);
        Assert.Contains("\r\n\tfor <eightbit@localhost>; ", delivered.Received, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_sent_in_pipelined_BDAT_chunks_arrives_exactly_as_sent_without_unstuffing()
    {
        const string recipient = "bdat@localhost";
        var messageId = TestMessages.NewMessageId();
        // In BDAT nothing is dot-stuffed: a "." line and CRLF.CRLF are content, and chunks split lines anywhere.
        var first = Encoding.UTF8.GetBytes($"From: <{TestMessages.Sender}>\r\nTo: <{recipient}>\r\nSubject: chunks\r\nMessage-ID: {messageId}\r\n\r\n..two dots stay two\r\n.\r\nnot the en");
        var last = Encoding.UTF8.GetBytes("d of the message\r\nGrüße\r\n");
        await using var connection = await RawSmtpConnection.OpenAsync(server.Port);

        var pipelined = new List<byte>();
        pipelined.AddRange(Encoding.ASCII.GetBytes($"MAIL FROM:<{TestMessages.Sender}> BODY=8BITMIME\r\nRCPT TO:<{recipient}>\r\nBDAT {first.Length}\r\n"));
        pipelined.AddRange(first);
        pipelined.AddRange(Encoding.ASCII.GetBytes($"BDAT {last.Length} LAST\r\n"));
        pipelined.AddRange(last);
        await connection.SendAsync(pipelined.ToArray());
        var replies = await connection.ReadRepliesAsync(4);

        Assert.Equal("250 2.1.0 Ok", replies[0].FirstLine);
        Assert.Equal("250 2.1.5 Ok", replies[1].FirstLine);
        Assert.Equal($"250 2.0.0 Ok: {first.Length} bytes", replies[2].FirstLine);
        Assert.StartsWith("250 2.0.0 Ok: ", replies[3].FirstLine, StringComparison.Ordinal);
        Assert.Contains("queued as ", replies[3].FirstLine, StringComparison.Ordinal);
        var delivered = DeliveredMessage.Parse(await server.Maildirs.WaitForSingleMessageAsync(recipient));
        Assert.Equal([.. first, .. last], delivered.Content);
        Assert.Contains("\r\n\tfor <bdat@localhost>; ", delivered.Received, StringComparison.Ordinal);
    }
}
